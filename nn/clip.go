package nn

import (
	"math"

	"github.com/mmpoison/mmpoison/autograd"
)

// ClipGradNorm scales the gradients of params so that their joint L2 norm is
// at most maxNorm, as torch.nn.utils.clip_grad_norm_ (scale maxNorm/(norm+1e-6)
// when that is below 1). It returns the norm before clipping, summed in
// float64. Parameters without a gradient are ignored. A NaN or infinite norm
// leaves the gradients untouched so the caller can skip the step.
func ClipGradNorm(params []*autograd.Tensor, maxNorm float64) float64 {
	var sum float64
	for _, p := range params {
		for _, g := range p.Grad {
			sum += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sum)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		c := float32(coef)
		for _, p := range params {
			for i := range p.Grad {
				p.Grad[i] *= c
			}
		}
	}
	return norm
}

// ZeroGrad clears the gradients of params, keeping their buffers.
func ZeroGrad(params []*autograd.Tensor) {
	for _, p := range params {
		p.ZeroGrad()
	}
}
