package autograd

import (
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// BatchNorm2d normalises each channel of x [N,C,H,W]:
// y = (x - mean)/sqrt(var + eps)·gamma + beta, with gamma and beta [C]
// (nil means 1 and 0).
//
// In training the mean and biased variance come from the batch (over N, H
// and W), and runMean/runVar (if not nil) move towards them by momentum,
// using the unbiased variance for runVar as PyTorch does; this also happens
// with recording off. In evaluation runMean and runVar are used and left
// unchanged. Gradients flow to x, gamma and beta in both modes.
func (g *Tape) BatchNorm2d(x, gamma, beta *Tensor, runMean, runVar []float32, training bool, momentum, eps float32) *Tensor {
	n, c, plane := bnCheck(x, gamma, beta, runMean, runVar, training)
	count := n * plane
	out := g.NewTensor(x.Shape...)
	// Per-channel mean and 1/sqrt(var+eps): all backward needs besides x.
	stats := g.AllocNoZero(2 * c)
	mean, invStd := stats[:c], stats[c:]
	parallel.For(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			if training {
				m, v := bnChannelMoments(x.Data, ch, n, c, plane)
				mean[ch], invStd[ch] = float32(m), float32(1/math.Sqrt(v+float64(eps)))
				if runMean != nil {
					runMean[ch] = (1-momentum)*runMean[ch] + momentum*float32(m)
				}
				if runVar != nil {
					unbiased := v * float64(count) / float64(count-1)
					runVar[ch] = (1-momentum)*runVar[ch] + momentum*float32(unbiased)
				}
			} else {
				mean[ch], invStd[ch] = runMean[ch], float32(1/math.Sqrt(float64(runVar[ch])+float64(eps)))
			}
			// y = scale·(x - mean) + beta with scale = invStd·gamma:
			// subtracting first keeps channels with a large mean exact.
			scale, shift := invStd[ch], float32(0)
			if gamma != nil {
				scale *= gamma.Data[ch]
			}
			if beta != nil {
				shift = beta.Data[ch]
			}
			for img := 0; img < n; img++ {
				off := (img*c + ch) * plane
				simd.Affine(out.Data[off:off+plane], x.Data[off:off+plane], scale, mean[ch], shift)
			}
		}
	})
	if g.NoGrad() {
		return out
	}
	back := func() { bnBackward(g, x, gamma, beta, out, mean, invStd, training) }
	return g.record(out, back, false, x, gamma, beta) // backward reads x, not out
}

func bnCheck(x, gamma, beta *Tensor, runMean, runVar []float32, training bool) (n, c, plane int) {
	if x.Dims() != 4 {
		panic(fmt.Sprintf("autograd: BatchNorm2d: want x [N,C,H,W], got %v", x.Shape))
	}
	n, c, plane = x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && (p.Dims() != 1 || p.Shape[0] != c) {
			panic(fmt.Sprintf("autograd: BatchNorm2d: gamma/beta %v must be [%d] for x %v", p.Shape, c, x.Shape))
		}
	}
	for _, s := range [][]float32{runMean, runVar} {
		if s != nil && len(s) != c {
			panic(fmt.Sprintf("autograd: BatchNorm2d: running stats have %d values, want %d for x %v", len(s), c, x.Shape))
		}
	}
	if !training && (runMean == nil || runVar == nil) {
		panic(fmt.Sprintf("autograd: BatchNorm2d: evaluation mode needs runMean and runVar (x %v)", x.Shape))
	}
	if training && n*plane < 2 {
		panic(fmt.Sprintf("autograd: BatchNorm2d: training needs more than one value per channel, got x %v", x.Shape))
	}
	return n, c, plane
}

// bnChannelMoments returns the mean and biased variance of channel ch. Each
// plane gives its sum and squared deviations from its own mean (float32,
// in one cache-warm kernel call); planes merge in float64 by Chan's
// pairwise update, so neither large batches nor means far from zero lose
// precision, and x is read from memory once.
func bnChannelMoments(x []float32, ch, n, c, plane int) (mean, variance float64) {
	var m2 float64
	for img := 0; img < n; img++ {
		off := (img*c + ch) * plane
		ps, pq := simd.Moments(x[off : off+plane])
		seen, pm := float64(img*plane), float64(ps)/float64(plane)
		total := seen + float64(plane)
		delta := pm - mean
		mean += delta * float64(plane) / total
		m2 += float64(pq) + delta*delta*seen*float64(plane)/total
	}
	return mean, m2 / float64(n*plane)
}

// bnBackward adds the gradients of out into x, gamma and beta. With
// x̂ = (x-mean)·invStd and dx̂ = dy·gamma, training mode (statistics depend
// on x) gives dx = invStd·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)); evaluation
// mode gives dx = dx̂·invStd. Per plane that is one pass for Σdy and
// Σdy·(x-mean) and one for dx = a·dy + b·(x-mean) + c.
func bnBackward(g *Tape, x, gamma, beta, out *Tensor, mean, invStd []float32, training bool) {
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	dy := out.Grad
	dgamma, dbeta := g.GradOf(gamma), g.GradOf(beta)
	dx, fresh := g.gradForWrite(x) // fresh: every element is written below
	count := float64(n * plane)
	parallel.For(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			m, is := mean[ch], float64(invStd[ch])
			var sumDy, sumDyDev float64 // float32 inside one plane, float64 across planes
			for img := 0; img < n; img++ {
				off := (img*c + ch) * plane
				s, d := simd.SumDotDev(dy[off:off+plane], x.Data[off:off+plane], m)
				sumDy += float64(s)
				sumDyDev += float64(d)
			}
			sumDyXhat := sumDyDev * is
			if dgamma != nil {
				dgamma[ch] += float32(sumDyXhat)
			}
			if dbeta != nil {
				dbeta[ch] += float32(sumDy)
			}
			if dx == nil {
				continue
			}
			k := is
			if gamma != nil {
				k *= float64(gamma.Data[ch])
			}
			var meanDy, meanDyXhat float64
			if training {
				meanDy, meanDyXhat = sumDy/count, sumDyXhat/count
			}
			a, b, cc := float32(k), float32(-k*is*meanDyXhat), float32(-k*meanDy)
			for img := 0; img < n; img++ {
				off := (img*c + ch) * plane
				simd.AffinePair(dx[off:off+plane], dy[off:off+plane], x.Data[off:off+plane], a, b, m, cc, !fresh)
			}
		}
	})
}
