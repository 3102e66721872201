package nn

import "math"

// CosineSchedule is a linear warm-up to Base followed by a half-cosine decay
// to Min at step Total, then Min; steps count from 0. The warm-up follows
// open_clip: LR(step) = Base·(step+1)/Warmup for step < Warmup.
type CosineSchedule struct {
	Base, Min     float64
	Warmup, Total int
}

// LR is the learning rate for the given step.
func (s CosineSchedule) LR(step int) float64 {
	if step < s.Warmup {
		return s.Base * float64(step+1) / float64(s.Warmup)
	}
	span := s.Total - s.Warmup
	if step >= s.Total || span <= 0 {
		return s.Min
	}
	frac := float64(step-s.Warmup) / float64(span)
	return s.Min + 0.5*(1+math.Cos(math.Pi*frac))*(s.Base-s.Min)
}
