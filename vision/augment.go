package vision

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Aspect ratio range of torchvision's RandomResizedCrop, used by the paper.
const (
	RRCRatioLo = 3.0 / 4.0
	RRCRatioHi = 4.0 / 3.0
)

// CropBox is a w×h rectangle at (X, Y) in source pixels.
type CropBox struct{ X, Y, W, H int }

// RandomCropBox draws a crop as torchvision's RandomResizedCrop.get_params
// does: area fraction uniform in [scaleLo, scaleHi], log-uniform aspect ratio
// in [ratioLo, ratioHi]; after 10 rejected tries it falls back to the largest
// centred crop within the ratio range.
func RandomCropBox(w, h int, scaleLo, scaleHi, ratioLo, ratioHi float64, rng *rand.Rand) CropBox {
	area := float64(w * h)
	logLo, logHi := math.Log(ratioLo), math.Log(ratioHi)
	for range 10 {
		target := area * (scaleLo + (scaleHi-scaleLo)*rng.Float64())
		ratio := math.Exp(logLo + (logHi-logLo)*rng.Float64())
		cw := int(math.RoundToEven(math.Sqrt(target * ratio)))
		ch := int(math.RoundToEven(math.Sqrt(target / ratio)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			y := rng.IntN(h - ch + 1)
			x := rng.IntN(w - cw + 1)
			return CropBox{X: x, Y: y, W: cw, H: ch}
		}
	}
	inRatio := float64(w) / float64(h)
	cw, ch := w, h
	switch {
	case inRatio < ratioLo:
		ch = int(math.RoundToEven(float64(w) / ratioLo))
	case inRatio > ratioHi:
		cw = int(math.RoundToEven(float64(h) * ratioHi))
	}
	return CropBox{X: (w - cw) / 2, Y: (h - ch) / 2, W: cw, H: ch}
}

// RandomResizedCrop is the paper's training augmentation: a random crop
// covering scaleLo..scaleHi of the area (0.9–1.0 in the paper) with aspect
// ratio 3/4..4/3, resized bicubically to size×size.
func RandomResizedCrop(img *rgb.Image, size int, scaleLo, scaleHi float64, rng *rand.Rand) *rgb.Image {
	dst := rgb.New(size, size)
	randomResizedCropInto(dst, img, scaleLo, scaleHi, rng, nil)
	return dst
}

// randomResizedCropInto writes the crop into dst (whose size is the target),
// reusing scratch for the resampler; it returns the scratch for reuse.
func randomResizedCropInto(dst, img *rgb.Image, scaleLo, scaleHi float64, rng *rand.Rand, scratch []float32) []float32 {
	if !(scaleLo > 0 && scaleLo <= scaleHi && scaleHi <= 1) {
		panic(fmt.Sprintf("vision.RandomResizedCrop: scale range [%g, %g] must satisfy 0 < lo <= hi <= 1", scaleLo, scaleHi))
	}
	b := RandomCropBox(img.W, img.H, scaleLo, scaleHi, RRCRatioLo, RRCRatioHi, rng)
	if b.W == dst.W && b.H == dst.H { // identity resample: a plain copy
		for y := 0; y < b.H; y++ {
			copy(dst.Pix[3*y*dst.W:3*(y+1)*dst.W], img.Pix[3*((b.Y+y)*img.W+b.X):])
		}
		return scratch
	}
	return resampleRegion(dst, img, b.X, b.Y, b.W, b.H, scratch)
}
