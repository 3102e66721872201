package nn

import (
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/simd"
)

// AdamWConfig holds AdamW's hyperparameters (PyTorch's names and meanings).
type AdamWConfig struct {
	LR    float64
	Beta1 float64 // 0.9 in PyTorch, CLIP uses 0.9
	Beta2 float64 // 0.999 in PyTorch, CLIP uses 0.98
	Eps   float64 // 1e-8 in PyTorch, CLIP uses 1e-6
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), updating
// exactly as torch.optim.AdamW (amsgrad off):
//
//	p ← p·(1 − lr·wd)
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//
// with t counted per parameter. Frozen parameters and parameters without a
// gradient are skipped and their step count does not advance.
type AdamW struct {
	cfg   AdamWConfig
	s     slotSet
	plan  flatPlan         // this step's active parameters, reused
	coefs []simd.AdamWCoef // per entry of plan, in float32 as PyTorch's float32 state arithmetic
}

const (
	adamExpAvg   = 0
	adamExpAvgSq = 1
)

// NewAdamW checks the configuration and makes the optimiser; build groups
// with SplitDecay to exclude biases and gains from weight decay.
func NewAdamW(groups []ParamGroup, cfg AdamWConfig) (*AdamW, error) {
	switch {
	case !(cfg.LR >= 0):
		return nil, fmt.Errorf("AdamW: learning rate %g must be >= 0", cfg.LR)
	case !(cfg.Beta1 >= 0 && cfg.Beta1 < 1) || !(cfg.Beta2 >= 0 && cfg.Beta2 < 1):
		return nil, fmt.Errorf("AdamW: betas (%g, %g) must be in [0, 1)", cfg.Beta1, cfg.Beta2)
	case !(cfg.Eps > 0):
		return nil, fmt.Errorf("AdamW: eps %g must be > 0", cfg.Eps)
	}
	s, err := newSlotSet("AdamW", []string{"exp_avg", "exp_avg_sq"}, groups)
	if err != nil {
		return nil, err
	}
	return &AdamW{cfg: cfg, s: s}, nil
}

func (o *AdamW) LR() float64         { return o.cfg.LR }
func (o *AdamW) SetLR(lr float64)    { o.cfg.LR = lr }
func (o *AdamW) ZeroGrad()           { o.s.zeroGrad() }
func (o *AdamW) StepCount() int      { return o.s.steps }
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// StateDict exports "step" and, per updated parameter, "<name>.step",
// "<name>.exp_avg" and "<name>.exp_avg_sq" (copies).
func (o *AdamW) StateDict() map[string]*autograd.Tensor { return o.s.stateDict() }

// LoadStateDict restores state written by StateDict.
func (o *AdamW) LoadStateDict(src map[string]*autograd.Tensor) error {
	return o.s.loadStateDict(src)
}

// Step updates every trainable parameter that has a gradient.
func (o *AdamW) Step() {
	o.s.steps++
	o.plan.reset()
	o.coefs = o.coefs[:0]
	for _, sl := range o.s.slots {
		if !sl.active() {
			continue
		}
		sl.ensure()
		sl.step++
		t := float64(sl.step)
		o.plan.add(sl)
		o.coefs = append(o.coefs, simd.AdamWCoef{
			Decay:      float32(1 - o.cfg.LR*sl.wd),
			Beta1:      float32(o.cfg.Beta1),
			Beta2:      float32(o.cfg.Beta2),
			StepSize:   float32(o.cfg.LR / (1 - math.Pow(o.cfg.Beta1, t))),
			InvSqrtBc2: float32(1 / math.Sqrt(1-math.Pow(o.cfg.Beta2, t))),
			Eps:        float32(o.cfg.Eps),
		})
	}
	o.plan.run(func(i, lo, hi int) {
		sl := o.plan.slots[i]
		simd.AdamW(sl.p.Data[lo:hi], sl.p.Grad[lo:hi], sl.bufs[adamExpAvg][lo:hi], sl.bufs[adamExpAvgSq][lo:hi], o.coefs[i])
	})
}
