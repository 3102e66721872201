package nn

import (
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// Conv2d is a 2-D convolution over NCHW input with a square kernel.
type Conv2d struct {
	Weight      *autograd.Tensor // [out, in, k, k]
	Bias        *autograd.Tensor // [out], or nil
	Stride, Pad int
}

// NewConv2d makes a convolution with PyTorch's default initialisation.
func NewConv2d(rng *rand.Rand, in, out, kernel, stride, pad int, bias bool) *Conv2d {
	c := &Conv2d{Weight: autograd.Param(out, in, kernel, kernel), Stride: stride, Pad: pad}
	if bias {
		c.Bias = autograd.Param(out)
	}
	initLinearLike(rng, c.Weight, c.Bias)
	return c
}

func (c *Conv2d) Walk(w *Walker, prefix string) {
	w.Param(prefix, "weight", c.Weight)
	w.Param(prefix, "bias", c.Bias)
}

// Forward maps x [N, in, H, W] to [N, out, H', W'].
func (c *Conv2d) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return g.Conv2d(x, c.Weight, c.Bias, c.Stride, c.Pad)
}
