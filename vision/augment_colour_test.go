package vision

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

func TestFlipHorizontal(t *testing.T) {
	img := randomRGB(5, 3, 1)
	f := &rgb.Image{W: 5, H: 3, Pix: slices.Clone(img.Pix)}
	flipHorizontal(f)
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			for c := 0; c < 3; c++ {
				if got, want := f.Pix[3*(y*5+x)+c], img.Pix[3*(y*5+4-x)+c]; got != want {
					t.Fatalf("pixel (%d,%d,%d) = %d, want %d from the mirrored column", x, y, c, got, want)
				}
			}
		}
	}
}

// jitterReference is torchvision's adjust_brightness, adjust_contrast and
// adjust_saturation on 0..255 floats, written out per pixel in float64.
func jitterReference(img *rgb.Image, b, c, s float64) []uint8 {
	n := len(img.Pix) / 3
	v := make([]float64, len(img.Pix))
	for i, p := range img.Pix {
		v[i] = math.Min(255, float64(p)*b)
	}
	grey := func(i int) float64 { return 0.299*v[3*i] + 0.587*v[3*i+1] + 0.114*v[3*i+2] }
	mean := 0.0
	for i := 0; i < n; i++ {
		mean += grey(i)
	}
	mean /= float64(n)
	for i := range v {
		v[i] = math.Max(0, math.Min(255, mean+c*(v[i]-mean)))
	}
	out := make([]uint8, len(v))
	for i := 0; i < n; i++ {
		g := grey(i)
		for k := 0; k < 3; k++ {
			out[3*i+k] = uint8(math.Max(0, math.Min(255, g+s*(v[3*i+k]-g))) + 0.5)
		}
	}
	return out
}

func TestJitterColourMatchesReference(t *testing.T) {
	for _, f := range [][3]float64{{1, 1, 1}, {1.3, 0.7, 1.2}, {0.6, 1.4, 0.5}, {1.4, 1.4, 0}} {
		img := randomRGB(9, 7, 3)
		want := jitterReference(img, f[0], f[1], f[2])
		jitterColour(img, float32(f[0]), float32(f[1]), float32(f[2]))
		for i := range want {
			if d := int(img.Pix[i]) - int(want[i]); d < -1 || d > 1 {
				t.Fatalf("factors %v: byte %d = %d, reference %d", f, i, img.Pix[i], want[i])
			}
		}
	}
	// Identity factors leave the image unchanged; saturation 0 makes it grey.
	img := randomRGB(6, 6, 4)
	orig := slices.Clone(img.Pix)
	jitterColour(img, 1, 1, 1)
	if !slices.Equal(img.Pix, orig) {
		t.Error("jitter with factors 1 changed the image")
	}
	jitterColour(img, 1, 1, 0)
	for i := 0; i < len(img.Pix); i += 3 {
		if img.Pix[i] != img.Pix[i+1] || img.Pix[i] != img.Pix[i+2] {
			t.Fatalf("saturation 0 left pixel %d coloured: %v", i/3, img.Pix[i:i+3])
		}
	}
}

func TestAugmentPaperDrawsLikeTheCropAlone(t *testing.T) {
	img := randomRGB(12, 12, 5)
	a := rgb.New(10, 10)
	PaperAugment.apply(a, img, rand.New(rand.NewPCG(7, 8)), nil)
	b := RandomResizedCrop(img, 10, TrainScaleLo, TrainScaleHi, rand.New(rand.NewPCG(7, 8)))
	if !slices.Equal(a.Pix, b.Pix) {
		t.Error("PaperAugment differs from the paper's RandomResizedCrop")
	}
}

func TestAugmentFlipAndJitterVary(t *testing.T) {
	img := randomRGB(12, 12, 6)
	aug := Augment{ScaleLo: 1, ScaleHi: 1, Flip: true, Jitter: 0.4}
	flips, distinct := 0, map[string]bool{}
	plain := rgb.New(12, 12)
	Augment{ScaleLo: 1, ScaleHi: 1}.apply(plain, img, rand.New(rand.NewPCG(1, 1)), nil)
	if !slices.Equal(plain.Pix, img.Pix) {
		t.Fatal("a full-area crop at the source size is not the identity")
	}
	for seed := range uint64(40) {
		dst := rgb.New(12, 12)
		aug.apply(dst, img, rand.New(rand.NewPCG(seed, 1)), nil)
		distinct[string(dst.Pix)] = true
		// The flip draw follows the crop's draws on the same stream.
		r := rand.New(rand.NewPCG(seed, 1))
		RandomCropBox(12, 12, 1, 1, RRCRatioLo, RRCRatioHi, r)
		if r.IntN(2) == 1 {
			flips++
		}
	}
	if flips < 10 || flips > 30 {
		t.Errorf("%d of 40 draws flipped, want about half", flips)
	}
	if len(distinct) < 35 {
		t.Errorf("only %d distinct augmented images in 40 draws", len(distinct))
	}
}

func TestFillBatchRejectsBadAugment(t *testing.T) {
	c, err := BuildCache(filepath.Join(t.TempDir(), "c.bin"), []ImageSource{{Pixels: randomRGB(10, 10, 1)}}, 10, FailOnBad, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, a := range []Augment{{ScaleLo: 0, ScaleHi: 1}, {ScaleLo: 0.5, ScaleHi: 1.2}, {ScaleLo: 0.8, ScaleHi: 0.5}, {ScaleLo: 0.5, ScaleHi: 1, Jitter: 1.5}, {ScaleLo: 0.5, ScaleHi: 1, Jitter: math.NaN()}} {
		if err := FillBatch(make([]float32, 300), c, []int{0}, &a, rng); err == nil {
			t.Errorf("augment %+v accepted", a)
		}
	}
}
