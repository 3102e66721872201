package vision

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRandomCropBoxBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 300x200 is absent on purpose: at 90% area its 3:2 shape needs a ratio
	// above 4/3, so every draw falls back (see TestRandomCropBoxFallback).
	for _, dim := range [][2]int{{224, 224}, {250, 200}, {31, 37}} {
		w, h := dim[0], dim[1]
		for range 2000 {
			b := RandomCropBox(w, h, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rng)
			if b.X < 0 || b.Y < 0 || b.X+b.W > w || b.Y+b.H > h || b.W < 1 || b.H < 1 {
				t.Fatalf("%dx%d: box %+v outside the image", w, h, b)
			}
			// Rounding each side to an integer moves area and ratio by at
			// most about one pixel's worth.
			area := float64(b.W*b.H) / float64(w*h)
			slack := float64(b.W+b.H+1) / float64(w*h)
			if area < 0.9-slack || area > 1+slack {
				t.Fatalf("%dx%d: box %+v covers %.3f of the area, want 0.9..1", w, h, b, area)
			}
			ratio := float64(b.W) / float64(b.H)
			if ratio < RRCRatioLo*(1-1/float64(b.H))-1/float64(b.H) || ratio > RRCRatioHi*(1+1/float64(b.H))+1/float64(b.H) {
				t.Fatalf("%dx%d: box %+v aspect %.3f outside 3/4..4/3", w, h, b, ratio)
			}
		}
	}
}

func TestRandomCropBoxFallback(t *testing.T) {
	// A 100x10 strip admits no 3/4..4/3 crop of 90% area: after ten tries
	// torchvision takes the centred 13x10 crop (10·4/3 rounded).
	b := RandomCropBox(100, 10, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rand.New(rand.NewPCG(5, 5)))
	if b != (CropBox{X: 43, Y: 0, W: 13, H: 10}) {
		t.Errorf("fallback box %+v, want {43 0 13 10}", b)
	}
	b = RandomCropBox(10, 100, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rand.New(rand.NewPCG(5, 5)))
	if b != (CropBox{X: 0, Y: 43, W: 10, H: 13}) {
		t.Errorf("tall fallback box %+v, want {0 43 10 13}", b)
	}
	b = RandomCropBox(300, 200, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rand.New(rand.NewPCG(5, 5)))
	if b != (CropBox{X: 16, Y: 0, W: 267, H: 200}) {
		t.Errorf("3:2 fallback box %+v, want {16 0 267 200}", b)
	}
}

func TestRandomResizedCropDeterministic(t *testing.T) {
	img := randomRGB(40, 30, 9)
	a := RandomResizedCrop(img, 16, 0.9, 1.0, rand.New(rand.NewPCG(42, 0)))
	b := RandomResizedCrop(img, 16, 0.9, 1.0, rand.New(rand.NewPCG(42, 0)))
	sameRGB(t, "same seed", a, b)
	// The crop is the drawn box resized: replay the same draws independently.
	box := RandomCropBox(40, 30, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rand.New(rand.NewPCG(42, 0)))
	sameRGB(t, "box then resize", a, Resize(Crop(img, box.X, box.Y, box.W, box.H), 16, 16))
	differs := false
	for s := uint64(1); s < 6 && !differs; s++ {
		c := RandomResizedCrop(img, 16, 0.9, 1.0, rand.New(rand.NewPCG(s, 0)))
		for i := range a.Pix {
			differs = differs || a.Pix[i] != c.Pix[i]
		}
	}
	if !differs {
		t.Error("five other seeds all gave the seed-42 crop")
	}
}

func TestRandomCropBoxAreaSpread(t *testing.T) {
	// The drawn area fractions should fill 0.9..1, not sit at one end.
	rng := rand.New(rand.NewPCG(3, 3))
	lo, hi := math.Inf(1), math.Inf(-1)
	for range 500 {
		b := RandomCropBox(224, 224, 0.9, 1.0, RRCRatioLo, RRCRatioHi, rng)
		a := float64(b.W*b.H) / (224 * 224)
		lo, hi = math.Min(lo, a), math.Max(hi, a)
	}
	if lo > 0.91 || hi < 0.97 {
		t.Errorf("area fractions span %.3f..%.3f, want close to 0.9..1", lo, hi)
	}
}
