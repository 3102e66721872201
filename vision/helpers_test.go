package vision

import (
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// randomRGB returns a w×h image of seeded random bytes.
func randomRGB(w, h int, seed uint64) *rgb.Image {
	r := rand.New(rand.NewPCG(seed, 7))
	img := rgb.New(w, h)
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

// constRGB returns a w×h image filled with one colour.
func constRGB(w, h int, c [3]uint8) *rgb.Image {
	img := rgb.New(w, h)
	for i := 0; i < w*h; i++ {
		copy(img.Pix[3*i:], c[:])
	}
	return img
}

func at(img *rgb.Image, x, y int) [3]uint8 {
	p := img.Pix[3*(y*img.W+x):]
	return [3]uint8{p[0], p[1], p[2]}
}

func sameRGB(t *testing.T, what string, got, want *rgb.Image) {
	t.Helper()
	if got.W != want.W || got.H != want.H {
		t.Fatalf("%s: size %dx%d, want %dx%d", what, got.W, got.H, want.W, want.H)
	}
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("%s: byte %d (pixel %d) = %d, want %d", what, i, i/3, got.Pix[i], want.Pix[i])
		}
	}
}
