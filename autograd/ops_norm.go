package autograd

import (
	"math"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// LayerNorm normalises x over its last axis to zero mean and unit variance
// (biased variance, as PyTorch), then scales by gamma and shifts by beta,
// both [D] (either may be nil).
func (g *Tape) LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	rows, n := lastDim("LayerNorm", x)
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && (len(p.Shape) != 1 || p.Shape[0] != n) {
			opPanic("LayerNorm", "gamma/beta must be [%d] for input %v, got %v", n, x.Shape, p.Shape)
		}
	}
	var gd, bd []float32
	if gamma != nil {
		gd = gamma.Data
	}
	if beta != nil {
		bd = beta.Data
	}
	out := g.NewTensor(x.Shape...)
	xd, y := x.Data, out.Data
	record := g.needsGrad(x, gamma, beta)
	var stats []float32 // mean and rstd per row, kept for backward
	if record {
		stats = g.AllocNoZero(2 * rows)
	}
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			m, s := layerNormRow(xd[r*n:(r+1)*n], y[r*n:(r+1)*n], gd, bd, eps)
			if stats != nil {
				stats[2*r], stats[2*r+1] = m, s
			}
		}
	})
	if !record {
		return out
	}
	return g.Record(out, func() {
		gy := out.Grad
		if gx := g.GradOf(x); gx != nil {
			rowsFor(rows, n, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					layerNormGradRow(xd[r*n:(r+1)*n], gy[r*n:(r+1)*n], gx[r*n:(r+1)*n], gd, stats[2*r], stats[2*r+1])
				}
			})
		}
		ggam, gbet := g.GradOf(gamma), g.GradOf(beta)
		if ggam == nil && gbet == nil {
			return
		}
		// Parameter gradients sum over rows; split the columns so workers
		// never write the same element.
		parallel.For(n, 64, func(lo, hi int) {
			for r := range rows {
				xr, gyr := xd[r*n:(r+1)*n], gy[r*n:(r+1)*n]
				m, s := stats[2*r], stats[2*r+1]
				for i := lo; i < hi; i++ {
					if ggam != nil {
						ggam[i] += gyr[i] * (xr[i] - m) * s
					}
					if gbet != nil {
						gbet[i] += gyr[i]
					}
				}
			}
		})
	}, x, gamma, beta)
}

// layerNormGradRow adds dL/dx for one row:
// dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)) with ĝ = dy⊙gamma, x̂ = (x−mean)·rstd.
func layerNormGradRow(x, gy, gx, gamma []float32, mean, rstd float32) {
	n := float32(len(x))
	var sg, sgx float32
	for i, v := range x {
		gh := gy[i]
		if gamma != nil {
			gh *= gamma[i]
		}
		sg += gh
		sgx += gh * (v - mean) * rstd
	}
	sg /= n
	sgx /= n
	for i, v := range x {
		gh := gy[i]
		if gamma != nil {
			gh *= gamma[i]
		}
		gx[i] += rstd * (gh - sg - (v-mean)*rstd*sgx)
	}
}

// L2Normalize divides each row of the last axis by max(‖row‖₂, eps), as
// PyTorch's F.normalize.
func (g *Tape) L2Normalize(x *Tensor, eps float32) *Tensor {
	rows, n := lastDim("L2Normalize", x)
	out := g.NewTensor(x.Shape...)
	xd, y := x.Data, out.Data
	record := g.needsGrad(x)
	var norms []float32 // clamped norm per row, kept for backward
	if record {
		norms = g.AllocNoZero(rows)
	}
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := xd[r*n : (r+1)*n]
			nv := max(float32(math.Sqrt(float64(dot(xr, xr)))), eps)
			if norms != nil {
				norms[r] = nv
			}
			inv := 1 / nv
			yr := y[r*n : (r+1)*n]
			for i, v := range xr {
				yr[i] = v * inv
			}
		}
	})
	if !record {
		return out
	}
	return g.Record(out, func() {
		gx := g.GradOf(x)
		if gx == nil {
			return
		}
		gy := out.Grad
		rowsFor(rows, n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				yr, gyr, gxr := y[r*n:(r+1)*n], gy[r*n:(r+1)*n], gx[r*n:(r+1)*n]
				inv := 1 / norms[r]
				// Below eps the divisor is a constant, so only dy/eps flows.
				var d float32
				if norms[r] > eps {
					d = dot(gyr, yr)
				}
				for i := range yr {
					gxr[i] += (gyr[i] - yr[i]*d) * inv
				}
			}
		})
	}, x)
}
