package vision

import (
	"math"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

func TestNormalizeCHWValues(t *testing.T) {
	img := rgb.New(2, 1)
	copy(img.Pix, []uint8{0, 128, 255, 255, 0, 64})
	dst := make([]float32, 6)
	Normalize(dst, img)
	mean := []float64{0.48145466, 0.4578275, 0.40821073}
	std := []float64{0.26862954, 0.26130258, 0.27577711}
	// CHW: plane c holds channel c of pixel 0 then pixel 1.
	raw := [3][2]float64{{0, 255}, {128, 0}, {255, 64}}
	for c := range 3 {
		for p := range 2 {
			want := (raw[c][p]/255 - mean[c]) / std[c]
			if got := float64(dst[2*c+p]); math.Abs(got-want) > 1e-5 {
				t.Errorf("channel %d pixel %d = %v, want %v", c, p, got, want)
			}
		}
	}
}

func TestPreprocessConstantImage(t *testing.T) {
	out := Preprocess(constRGB(30, 20, [3]uint8{255, 255, 255}), 8)
	if len(out) != 3*8*8 {
		t.Fatalf("len %d, want %d", len(out), 3*8*8)
	}
	for c := range 3 {
		want := (1 - CLIPMean[c]) / CLIPStd[c]
		for i := 0; i < 64; i++ {
			if math.Abs(float64(out[c*64+i]-want)) > 1e-6 {
				t.Fatalf("channel %d value %d = %v, want %v", c, i, out[c*64+i], want)
			}
		}
	}
}
