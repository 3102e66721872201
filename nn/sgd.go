package nn

import (
	"fmt"

	"github.com/mmpoison/mmpoison/autograd"
)

// SGDConfig holds SGD's hyperparameters (PyTorch's names and meanings).
type SGDConfig struct {
	LR        float64
	Momentum  float64
	Dampening float64
	Nesterov  bool // needs Momentum > 0 and Dampening 0, as in PyTorch
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and coupled (L2) weight decay from the groups, updating exactly
// as torch.optim.SGD:
//
//	d ← g + wd·p
//	b ← d on the first step, else μ·b + (1−dampening)·d
//	d ← d + μ·b (Nesterov) or b
//	p ← p − lr·d
type SGD struct {
	cfg   SGDConfig
	s     slotSet
	plan  flatPlan  // this step's active parameters, reused
	coefs []sgdCoef // per entry of plan
}

// NewSGD checks the configuration and makes the optimiser.
func NewSGD(groups []ParamGroup, cfg SGDConfig) (*SGD, error) {
	switch {
	case !(cfg.LR >= 0):
		return nil, fmt.Errorf("SGD: learning rate %g must be >= 0", cfg.LR)
	case !(cfg.Momentum >= 0):
		return nil, fmt.Errorf("SGD: momentum %g must be >= 0", cfg.Momentum)
	case cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0):
		return nil, fmt.Errorf("SGD: Nesterov momentum needs momentum > 0 and zero dampening (got %g, %g)", cfg.Momentum, cfg.Dampening)
	}
	var kinds []string
	if cfg.Momentum != 0 {
		kinds = []string{"momentum_buffer"}
	}
	s, err := newSlotSet("SGD", kinds, groups)
	if err != nil {
		return nil, err
	}
	return &SGD{cfg: cfg, s: s}, nil
}

func (o *SGD) LR() float64       { return o.cfg.LR }
func (o *SGD) SetLR(lr float64)  { o.cfg.LR = lr }
func (o *SGD) ZeroGrad()         { o.s.zeroGrad() }
func (o *SGD) StepCount() int    { return o.s.steps }
func (o *SGD) Config() SGDConfig { return o.cfg }

// StateDict exports "step" and, per updated parameter, "<name>.step" and
// "<name>.momentum_buffer" when momentum is on.
func (o *SGD) StateDict() map[string]*autograd.Tensor { return o.s.stateDict() }

// LoadStateDict restores state written by StateDict.
func (o *SGD) LoadStateDict(src map[string]*autograd.Tensor) error {
	return o.s.loadStateDict(src)
}

type sgdCoef struct {
	lr, wd, mu, damp float32
	first, momentum  bool
	nesterov         bool
}

// Step updates every trainable parameter that has a gradient.
func (o *SGD) Step() {
	o.s.steps++
	o.plan.reset()
	o.coefs = o.coefs[:0]
	for _, sl := range o.s.slots {
		if !sl.active() {
			continue
		}
		sl.ensure()
		o.plan.add(sl)
		o.coefs = append(o.coefs, sgdCoef{
			lr: float32(o.cfg.LR), wd: float32(sl.wd), mu: float32(o.cfg.Momentum), damp: float32(o.cfg.Dampening),
			first: sl.step == 0, momentum: len(sl.bufs) > 0, nesterov: o.cfg.Nesterov,
		})
		sl.step++
	}
	o.plan.run(func(i, lo, hi int) {
		sl := o.plan.slots[i]
		var b []float32
		if o.coefs[i].momentum {
			b = sl.bufs[0][lo:hi]
		}
		sgdKernel(sl.p.Data[lo:hi], sl.p.Grad[lo:hi], b, o.coefs[i])
	})
}

func sgdKernel(p, g, buf []float32, c sgdCoef) {
	g = g[:len(p)]
	for i := range p {
		d := g[i] + c.wd*p[i]
		if c.momentum {
			b := d
			if !c.first {
				b = c.mu*buf[i] + (1-c.damp)*d
			}
			buf[i] = b
			if c.nesterov {
				d += c.mu * b
			} else {
				d = b
			}
		}
		p[i] -= c.lr * d
	}
}
