package vision

import (
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Augment is a training augmentation, applied to each cached square:
// a random resized crop covering ScaleLo..ScaleHi of the area, then, when
// set, a horizontal flip with probability 1/2 and colour jitter.
//
// Jitter scales brightness, contrast and saturation, in that order, each by
// a factor drawn uniformly from [1-Jitter, 1+Jitter], as torchvision's
// ColorJitter(b, c, s) does with b = c = s = Jitter. Hue is left alone:
// captions name colours ("a black dog", "a red shirt").
type Augment struct {
	ScaleLo, ScaleHi float64
	Flip             bool
	Jitter           float64
}

// PaperAugment is the paper's training augmentation: RandomResizedCrop with
// scale 0.9–1.0, nothing else.
var PaperAugment = Augment{ScaleLo: TrainScaleLo, ScaleHi: TrainScaleHi}

// apply writes the augmented img into dst (sized as the target), drawing
// from rng in a fixed order: crop, then flip, then jitter; the draws of a
// disabled step are skipped, so PaperAugment draws what the crop alone drew.
func (a Augment) apply(dst, img *rgb.Image, rng *rand.Rand, scratch []float32) []float32 {
	scratch = randomResizedCropInto(dst, img, a.ScaleLo, a.ScaleHi, rng, scratch)
	if a.Flip && rng.IntN(2) == 1 {
		flipHorizontal(dst)
	}
	if a.Jitter > 0 {
		f := func() float32 { return float32(1 - a.Jitter + 2*a.Jitter*rng.Float64()) }
		brightness, contrast, saturation := f(), f(), f()
		jitterColour(dst, brightness, contrast, saturation)
	}
	return scratch
}

func flipHorizontal(img *rgb.Image) {
	for y := 0; y < img.H; y++ {
		row := img.Pix[3*y*img.W : 3*(y+1)*img.W]
		for l, r := 0, img.W-1; l < r; l, r = l+1, r-1 {
			row[3*l], row[3*r] = row[3*r], row[3*l]
			row[3*l+1], row[3*r+1] = row[3*r+1], row[3*l+1]
			row[3*l+2], row[3*r+2] = row[3*r+2], row[3*l+2]
		}
	}
}

// luma is ITU-R 601 grey, the weights torchvision's rgb_to_grayscale uses.
func luma(r, g, b float32) float32 { return 0.299*r + 0.587*g + 0.114*b }

// jitterColour scales brightness (towards black), contrast (towards the
// image's mean grey) and saturation (towards each pixel's grey), clamping
// to 0..255 after each step as torchvision does.
func jitterColour(img *rgb.Image, brightness, contrast, saturation float32) {
	px := img.Pix
	bright := func(i int) float32 { return clamp255(float32(px[i]) * brightness) }
	var mean float32
	for i := 0; i < len(px); i += 3 {
		mean += luma(bright(i), bright(i+1), bright(i+2))
	}
	mean /= float32(len(px) / 3)
	for i := 0; i < len(px); i += 3 {
		var p [3]float32
		for c := range p {
			p[c] = clamp255(mean + contrast*(bright(i+c)-mean))
		}
		grey := luma(p[0], p[1], p[2])
		for c := range p {
			px[i+c] = uint8(clamp255(grey+saturation*(p[c]-grey)) + 0.5)
		}
	}
}

func clamp255(v float32) float32 { return min(max(v, 0), 255) }
