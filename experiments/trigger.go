package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Trigger kinds.
const (
	TriggerPatch = "patch" // BadNets: a square of pattern pixels replaces part of the image
	TriggerBlend = "blend" // Chen et al. 2017: the whole image mixed with a noise pattern
)

// Trigger positions and patterns of a patch.
const (
	PositionCorner   = "corner" // bottom-right corner
	PositionRandom   = "random" // anywhere inside the image, drawn per stamp
	PatternChecker   = "checkerboard"
	PatternNoise     = "noise"     // seeded uniform noise, the same pixels on every stamp
	PatternOptimized = "optimized" // pixels learned on the clean model (BadCLIP), held in Pixels
)

// Defaults of a trigger's unset fields. A patch of 1/14 of the side is the
// 16 px patch at 224 px of Carlini & Terzis and CleanCLIP; blending at 0.2 is
// Chen et al.'s training α.
const (
	DefaultPatchSize  = 1.0 / 14
	DefaultBlendAlpha = 0.2
)

// Trigger is a backdoor trigger stamped on images in pixel space, after they
// are resized to the model's input, so a patch covers the same share of the
// input at any resolution.
type Trigger struct {
	Kind     string  `json:"kind"`               // TriggerPatch or TriggerBlend
	Size     float64 `json:"size,omitempty"`     // patch side as a fraction of the image side; 0: DefaultPatchSize
	Position string  `json:"position,omitempty"` // patch: PositionCorner (default) or PositionRandom
	Pattern  string  `json:"pattern,omitempty"`  // patch: PatternChecker (default) or PatternNoise; a blend is always noise
	Alpha    float64 `json:"alpha,omitempty"`    // blend: weight of the noise; 0: DefaultBlendAlpha
	Seed     uint64  `json:"seed,omitempty"`     // of the noise pattern and the optimisation; 0: DefaultSeed
	// Steps and StepSize drive the optimisation of an optimized patch
	// (0: DefaultPatchSteps, DefaultPatchStepSize); Pixels are its result,
	// side·side·3 levels (HWC), filled in by the runner before poisoning.
	Steps    int     `json:"steps,omitempty"`
	StepSize float64 `json:"step_size,omitempty"`
	Pixels   []uint8 `json:"pixels,omitempty"`
}

// Defaults of an optimized patch's search: sign-gradient steps of 2 levels,
// as projected gradient descent on images takes.
const (
	DefaultPatchSteps    = 200
	DefaultPatchStepSize = 2
)

// withDefaults fills the unset fields.
func (t Trigger) withDefaults() Trigger {
	if t.Size == 0 {
		t.Size = DefaultPatchSize
	}
	if t.Position == "" {
		t.Position = PositionCorner
	}
	if t.Pattern == "" {
		t.Pattern = PatternChecker
	}
	if t.Alpha == 0 {
		t.Alpha = DefaultBlendAlpha
	}
	if t.Pattern == PatternOptimized && t.Steps == 0 {
		t.Steps = DefaultPatchSteps
	}
	if t.Pattern == PatternOptimized && t.StepSize == 0 {
		t.StepSize = DefaultPatchStepSize
	}
	t.Seed = seedOrDefault(t.Seed)
	return t
}

// Validate reports the first field out of range, naming it.
func (t Trigger) Validate() error {
	t = t.withDefaults()
	switch {
	case t.Kind != TriggerPatch && t.Kind != TriggerBlend:
		return fmt.Errorf("trigger kind %q: want %q or %q", t.Kind, TriggerPatch, TriggerBlend)
	case !(t.Size > 0 && t.Size <= 1):
		return fmt.Errorf("trigger size %g: want a fraction of the image side in (0, 1]", t.Size)
	case t.Position != PositionCorner && t.Position != PositionRandom:
		return fmt.Errorf("trigger position %q: want %q or %q", t.Position, PositionCorner, PositionRandom)
	case t.Pattern != PatternChecker && t.Pattern != PatternNoise && t.Pattern != PatternOptimized:
		return fmt.Errorf("trigger pattern %q: want %q, %q or %q", t.Pattern, PatternChecker, PatternNoise, PatternOptimized)
	case t.Pattern == PatternOptimized && (t.Steps < 1 || !(t.StepSize > 0 && t.StepSize <= 255)):
		return fmt.Errorf("trigger optimisation: steps %d and step size %g must be positive (step size at most 255 levels)", t.Steps, t.StepSize)
	case len(t.Pixels)%3 != 0:
		return fmt.Errorf("trigger pixels: %d bytes is not a whole number of RGB pixels", len(t.Pixels))
	case !(t.Alpha > 0 && t.Alpha <= 1):
		return fmt.Errorf("trigger alpha %g: want a blend weight in (0, 1]", t.Alpha)
	}
	return nil
}

// String names the trigger for logs and reports, e.g. "patch 0.071 corner checkerboard".
func (t Trigger) String() string {
	t = t.withDefaults()
	if t.Kind == TriggerBlend {
		return fmt.Sprintf("blend α %.2g", t.Alpha)
	}
	return fmt.Sprintf("patch %.2g %s %s", t.Size, t.Position, t.Pattern)
}

// Label names the trigger in job names, e.g. "patch0.2", "patch0.1-random-noise"
// or "blend0.2"; it leaves out the fields at their defaults.
func (t Trigger) Label() string {
	d := t.withDefaults()
	if d.Kind == TriggerBlend {
		return fmt.Sprintf("blend%g", d.Alpha)
	}
	l := fmt.Sprintf("patch%.3g", d.Size)
	if d.Position != PositionCorner {
		l += "-" + d.Position
	}
	if d.Pattern != PatternChecker {
		l += "-" + d.Pattern
	}
	if d.Pattern == PatternOptimized && (d.Steps != DefaultPatchSteps || d.StepSize != DefaultPatchStepSize) {
		l += fmt.Sprintf("%dx%g", d.Steps, d.StepSize)
	}
	return l
}

// Stamp returns a copy of img carrying the trigger. rng places a random
// patch; the pattern itself depends only on the trigger's seed (or its
// optimized Pixels, resampled to the nearest pixel when the image's patch
// side differs from theirs), so every stamp carries the same pixels. t must
// be valid, and an optimized patch must have its Pixels.
func (t Trigger) Stamp(img *rgb.Image, rng *rand.Rand) *rgb.Image {
	t = t.withDefaults()
	out := &rgb.Image{W: img.W, H: img.H, Pix: append([]uint8(nil), img.Pix...)}
	if t.Kind == TriggerBlend {
		noise := t.noise(img.W, img.H)
		for i, p := range out.Pix {
			out.Pix[i] = uint8((1-t.Alpha)*float64(p) + t.Alpha*float64(noise[i]) + 0.5)
		}
		return out
	}
	side := t.PatchSide(min(img.W, img.H))
	x0, y0 := img.W-side, img.H-side
	if t.Position == PositionRandom {
		x0, y0 = rng.IntN(img.W-side+1), rng.IntN(img.H-side+1)
	}
	var noise []uint8
	switch t.Pattern {
	case PatternNoise:
		noise = t.noise(side, side)
	case PatternOptimized:
		noise = resampleSquare(t.Pixels, side)
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			px := out.Pix[3*((y0+y)*img.W+x0+x):][:3]
			if noise != nil {
				copy(px, noise[3*(y*side+x):])
				continue
			}
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			px[0], px[1], px[2] = v, v, v
		}
	}
	return out
}

// noise is the trigger's w×h noise pattern, a pure function of its seed.
func (t Trigger) noise(w, h int) []uint8 {
	rng := rand.New(rand.NewPCG(t.Seed, 0x7219))
	out := make([]uint8, 3*w*h)
	for i := range out {
		out[i] = uint8(rng.IntN(256))
	}
	return out
}

// resampleSquare maps square HWC pixels to side×side by nearest neighbour.
func resampleSquare(pix []uint8, side int) []uint8 {
	from := int(math.Round(math.Sqrt(float64(len(pix) / 3))))
	if from == side || from == 0 {
		return pix
	}
	out := make([]uint8, 3*side*side)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			sy, sx := y*from/side, x*from/side
			copy(out[3*(y*side+x):3*(y*side+x)+3], pix[3*(sy*from+sx):])
		}
	}
	return out
}

// PatchSide is the side in pixels of the trigger's patch on an image of the
// given side.
func (t Trigger) PatchSide(image int) int {
	return max(1, int(t.withDefaults().Size*float64(image)+0.5))
}
