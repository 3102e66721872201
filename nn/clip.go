package nn

import (
	"math"
	"slices"
	"sync"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// ClipGradNorm scales the gradients of params so that their joint L2 norm is
// at most maxNorm, as torch.nn.utils.clip_grad_norm_ (scale maxNorm/(norm+1e-6)
// when that is below 1). It returns the norm before clipping, summed in
// float64. Parameters without a gradient are ignored. A NaN or infinite norm
// leaves the gradients untouched so the caller can skip the step.
//
// Both passes run on the worker pool over blocks of a fixed size, so the
// order of the float64 sum, and so the result, does not depend on the
// thread count.
func ClipGradNorm(params []*autograd.Tensor, maxNorm float64) float64 {
	w := clipWork.Get().(*clipBuffers) // reused: this runs every training step
	defer clipWork.Put(w)
	blocks := w.blocks[:0]
	for _, p := range params {
		for lo := 0; lo < len(p.Grad); lo += clipBlock {
			blocks = append(blocks, p.Grad[lo:min(lo+clipBlock, len(p.Grad))])
		}
	}
	sums := slices.Grow(w.sums[:0], len(blocks))[:len(blocks)]
	w.blocks, w.sums = blocks, sums
	defer clear(blocks) // the pool must not keep gradients alive
	parallel.For(len(blocks), 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			sums[b] = sumSquares(blocks[b])
		}
	})
	var sum float64
	for _, s := range sums {
		sum += s
	}
	norm := math.Sqrt(sum)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		c := float32(coef)
		parallel.For(len(blocks), 1, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				simd.Scale(c, blocks[b])
			}
		})
	}
	return norm
}

// clipBlock is the gradient elements one task of ClipGradNorm covers.
const clipBlock = 1 << 16

type clipBuffers struct {
	blocks [][]float32
	sums   []float64
}

var clipWork = sync.Pool{New: func() any { return new(clipBuffers) }}

// sumSquares is Σ g² in float64. A product of two float32 values is exact
// in float64, so only the order of the additions rounds: four running sums,
// combined at the end.
func sumSquares(g []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(g); i += 4 {
		a, b, c, d := float64(g[i]), float64(g[i+1]), float64(g[i+2]), float64(g[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(g); i++ {
		s0 += float64(g[i]) * float64(g[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// ZeroGrad clears the gradients of params, keeping their buffers.
func ZeroGrad(params []*autograd.Tensor) {
	for _, p := range params {
		p.ZeroGrad()
	}
}
