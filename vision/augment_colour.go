package vision

import (
	"fmt"
	"math"
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
//
// Hue, JitterProb and Grey give SimCLR's stronger colour distortion, for
// views that only meet each other (StrongViewAugment): Hue rotates the hue
// by up to ±Hue of a turn (torchvision's hue), JitterProb applies the
// colour jitter to only that share of images (0 means all), and Grey turns
// that share of images grey.
type Augment struct {
	ScaleLo, ScaleHi float64
	Flip             bool
	Jitter           float64
	Hue              float64
	JitterProb       float64
	Grey             float64
}

// StrongViewAugment is SimCLR's augmentation as SLIP uses it for its
// image-image views, at 64 px (no blur, as SimCLR at CIFAR's 32 px): a crop of
// 0.25-1 of the area (SimCLR's 0.08 leaves 18 px of a 64 px image), flips,
// brightness, contrast and saturation ±40% with hue ±0.1 on 80% of images,
// and grey on 20%.
var StrongViewAugment = Augment{ScaleLo: 0.25, ScaleHi: 1, Flip: true, Jitter: 0.4, Hue: 0.1, JitterProb: 0.8, Grey: 0.2}

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
	if (a.Jitter > 0 || a.Hue > 0) && (a.JitterProb == 0 || rng.Float64() < a.JitterProb) {
		if a.Jitter > 0 {
			f := func() float32 { return float32(1 - a.Jitter + 2*a.Jitter*rng.Float64()) }
			brightness, contrast, saturation := f(), f(), f()
			jitterColour(dst, brightness, contrast, saturation)
		}
		if a.Hue > 0 {
			rotateHue(dst, float32(a.Hue*(2*rng.Float64()-1)))
		}
	}
	if a.Grey > 0 && rng.Float64() < a.Grey {
		greyscale(dst)
	}
	return scratch
}

// valid reports whether every field is in range, naming the first that is not.
func (a Augment) valid() error {
	switch {
	case !(a.ScaleLo > 0 && a.ScaleLo <= a.ScaleHi && a.ScaleHi <= 1):
		return fmt.Errorf("crop scale range [%g, %g] must satisfy 0 < lo <= hi <= 1", a.ScaleLo, a.ScaleHi)
	case !(a.Jitter >= 0 && a.Jitter < 1):
		return fmt.Errorf("colour jitter %g must be in [0, 1)", a.Jitter)
	case !(a.Hue >= 0 && a.Hue <= 0.5):
		return fmt.Errorf("hue jitter %g must be in [0, 0.5] of a turn", a.Hue)
	case !(a.JitterProb >= 0 && a.JitterProb <= 1):
		return fmt.Errorf("colour jitter probability %g must be in [0, 1]", a.JitterProb)
	case !(a.Grey >= 0 && a.Grey <= 1):
		return fmt.Errorf("greyscale probability %g must be in [0, 1]", a.Grey)
	}
	return nil
}

// greyscale sets every pixel to its luma, as torchvision's RandomGrayscale.
func greyscale(img *rgb.Image) {
	px := img.Pix
	for i := 0; i < len(px); i += 3 {
		y := uint8(luma(float32(px[i]), float32(px[i+1]), float32(px[i+2])) + 0.5)
		px[i], px[i+1], px[i+2] = y, y, y
	}
}

// rotateHue adds shift (in turns) to each pixel's HSV hue, keeping its
// saturation and value, as torchvision's adjust_hue.
func rotateHue(img *rgb.Image, shift float32) {
	px := img.Pix
	for i := 0; i < len(px); i += 3 {
		h, s, v := toHSV(float32(px[i])/255, float32(px[i+1])/255, float32(px[i+2])/255)
		h += shift
		h -= float32(math.Floor(float64(h)))
		r, g, b := fromHSV(h, s, v)
		px[i], px[i+1], px[i+2] = uint8(255*r+0.5), uint8(255*g+0.5), uint8(255*b+0.5)
	}
}

// toHSV maps r, g, b in [0, 1] to hue in [0, 1) turns, saturation and value.
func toHSV(r, g, b float32) (h, s, v float32) {
	v = max(r, g, b)
	c := v - min(r, g, b)
	if v > 0 {
		s = c / v
	}
	if c == 0 {
		return 0, s, v
	}
	switch v {
	case r:
		h = (g - b) / c
	case g:
		h = 2 + (b-r)/c
	default:
		h = 4 + (r-g)/c
	}
	h /= 6
	if h < 0 {
		h++
	}
	return h, s, v
}

// fromHSV is the inverse of toHSV.
func fromHSV(h, s, v float32) (r, g, b float32) {
	c := v * s
	hp := 6 * h
	x := c * (1 - float32(math.Abs(math.Mod(float64(hp), 2)-1)))
	switch {
	case hp < 1:
		r, g, b = c, x, 0
	case hp < 2:
		r, g, b = x, c, 0
	case hp < 3:
		r, g, b = 0, c, x
	case hp < 4:
		r, g, b = 0, x, c
	case hp < 5:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	m := v - c
	return r + m, g + m, b + m
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
