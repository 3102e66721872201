package vision

import (
	"math"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// refCubic is the a = -0.5 cubic written out as polynomials, independent of
// the nested form in bicubic().
func refCubic(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1:
		return 1.5*x*x*x - 2.5*x*x + 1
	case x < 2:
		return -0.5*x*x*x + 2.5*x*x - 4*x + 2
	}
	return 0
}

// refWeights returns the normalised weight of every source sample for output
// o, sampling pixel centres and stretching the kernel when shrinking.
func refWeights(in, out, o int) []float64 {
	scale := float64(in) / float64(out)
	stretch := math.Max(scale, 1)
	center := (float64(o) + 0.5) * scale
	w := make([]float64, in)
	sum := 0.0
	for x := range w {
		w[x] = refCubic((float64(x) + 0.5 - center) / stretch)
		sum += w[x]
	}
	for x := range w {
		w[x] /= sum
	}
	return w
}

// refResize is a direct 2-D float64 bicubic resize: every output pixel sums
// all source pixels with the product of both axes' weights.
func refResize(img *rgb.Image, w, h int) *rgb.Image {
	dst := rgb.New(w, h)
	for oy := 0; oy < h; oy++ {
		wy := refWeights(img.H, h, oy)
		for ox := 0; ox < w; ox++ {
			wx := refWeights(img.W, w, ox)
			for c := range 3 {
				acc := 0.0
				for y := 0; y < img.H; y++ {
					for x := 0; x < img.W; x++ {
						acc += wy[y] * wx[x] * float64(img.Pix[3*(y*img.W+x)+c])
					}
				}
				dst.Pix[3*(oy*w+ox)+c] = uint8(math.Round(math.Min(math.Max(acc, 0), 255)))
			}
		}
	}
	return dst
}

func TestResizeMatchesDirectBicubic(t *testing.T) {
	shapes := [][4]int{{7, 5, 3, 4}, {5, 5, 11, 8}, {13, 9, 4, 4}, {3, 7, 9, 2}, {1, 1, 3, 2}, {17, 3, 5, 5}, {64, 48, 7, 9}, {6, 6, 6, 3}}
	for si, s := range shapes {
		img := randomRGB(s[0], s[1], uint64(si))
		got := Resize(img, s[2], s[3])
		want := refResize(img, s[2], s[3])
		for i := range want.Pix {
			// float32 vs float64 accumulation may round a .5 case differently.
			if d := int(got.Pix[i]) - int(want.Pix[i]); d < -1 || d > 1 {
				t.Fatalf("%dx%d→%dx%d: byte %d = %d, reference %d", s[0], s[1], s[2], s[3], i, got.Pix[i], want.Pix[i])
			}
		}
	}
}

func TestResizeKeepsConstantImage(t *testing.T) {
	c := [3]uint8{13, 200, 255}
	for _, s := range [][4]int{{9, 7, 31, 20}, {40, 30, 5, 3}, {10, 10, 10, 10}} {
		got := Resize(constRGB(s[0], s[1], c), s[2], s[3])
		sameRGB(t, "constant", got, constRGB(s[2], s[3], c))
	}
}

func TestDownscaleCheckerboardAverages(t *testing.T) {
	img := rgb.New(32, 32)
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			if (x+y)%2 == 1 {
				copy(img.Pix[3*(y*32+x):], []uint8{255, 255, 255})
			}
		}
	}
	got := Resize(img, 4, 4)
	// Antialiasing averages the 1-pixel cells to mid grey; point sampling
	// would give pure black or white.
	for i, v := range got.Pix {
		if v < 120 || v > 135 {
			t.Fatalf("byte %d = %d, want about 127", i, v)
		}
	}
}

func TestResampleRegionEqualsCropThenResize(t *testing.T) {
	img := randomRGB(20, 15, 3)
	dst := rgb.New(6, 9)
	resampleRegion(dst, img, 4, 2, 11, 12, nil)
	sameRGB(t, "region", dst, Resize(Crop(img, 4, 2, 11, 12), 6, 9))
}
