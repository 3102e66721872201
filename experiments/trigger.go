package experiments

import (
	"fmt"
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
	PositionCorner = "corner" // bottom-right corner
	PositionRandom = "random" // anywhere inside the image, drawn per stamp
	PatternChecker = "checkerboard"
	PatternNoise   = "noise" // seeded uniform noise, the same pixels on every stamp
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
	Seed     uint64  `json:"seed,omitempty"`     // of the noise pattern; 0: DefaultSeed
}

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
	case t.Pattern != PatternChecker && t.Pattern != PatternNoise:
		return fmt.Errorf("trigger pattern %q: want %q or %q", t.Pattern, PatternChecker, PatternNoise)
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
	return l
}

// Stamp returns a copy of img carrying the trigger. rng places a random
// patch; the pattern itself depends only on the trigger's seed, so every
// stamp carries the same pixels. t must be valid.
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
	side := max(1, int(t.Size*float64(min(img.W, img.H))+0.5))
	x0, y0 := img.W-side, img.H-side
	if t.Position == PositionRandom {
		x0, y0 = rng.IntN(img.W-side+1), rng.IntN(img.H-side+1)
	}
	var noise []uint8
	if t.Pattern == PatternNoise {
		noise = t.noise(side, side)
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
