package nn

import "github.com/mmpoison/mmpoison/autograd"

// LayerNorm normalises over the last axis with a learned gain and shift.
type LayerNorm struct {
	Weight, Bias *autograd.Tensor // [D] gain (ones) and shift (zeros)
	Eps          float32
}

// NewLayerNorm makes a layer with PyTorch's defaults (eps 1e-5).
func NewLayerNorm(dim int) *LayerNorm {
	l := &LayerNorm{Weight: autograd.Param(dim), Bias: autograd.Param(dim), Eps: 1e-5}
	Fill(l.Weight, 1)
	return l
}

func (l *LayerNorm) Walk(w *Walker, prefix string) {
	w.Param(prefix, "weight", l.Weight)
	w.Param(prefix, "bias", l.Bias)
}

// Forward normalises x [..., D].
func (l *LayerNorm) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return g.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}
