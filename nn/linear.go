package nn

import (
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// Linear is y = x·Wᵀ + b with weight [out, in] (PyTorch's layout).
type Linear struct {
	Weight *autograd.Tensor // [out, in]
	Bias   *autograd.Tensor // [out], or nil
}

// NewLinear makes a Linear layer with PyTorch's default initialisation
// (weight and bias uniform in ±1/√in).
func NewLinear(rng *rand.Rand, in, out int, bias bool) *Linear {
	l := &Linear{Weight: autograd.Param(out, in)}
	if bias {
		l.Bias = autograd.Param(out)
	}
	initLinearLike(rng, l.Weight, l.Bias)
	return l
}

func (l *Linear) Walk(w *Walker, prefix string) {
	w.Param(prefix, "weight", l.Weight)
	w.Param(prefix, "bias", l.Bias)
}

// Forward maps x [..., in] to [..., out].
func (l *Linear) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return g.Linear(x, l.Weight, l.Bias)
}
