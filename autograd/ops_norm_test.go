package autograd

import (
	"math"
	"testing"
)

func TestLayerNormGradients(t *testing.T) {
	for i, shape := range [][]int{{3, 5}, {2, 1, 4}, {1, 2}} {
		rng := newRNG(uint64(50 + i))
		d := shape[len(shape)-1]
		x := randParam(rng, -2, 2, shape...)
		gamma := randParam(rng, 0.5, 1.5, d)
		beta := randParam(rng, -1, 1, d)
		checkGrad(t, "LayerNorm", []*Tensor{x, gamma, beta}, func(g *Tape) *Tensor { return g.LayerNorm(x, gamma, beta, 1e-5) })
		checkGrad(t, "LayerNorm no affine", []*Tensor{x}, func(g *Tape) *Tensor { return g.LayerNorm(x, nil, nil, 1e-5) })
	}
}

func TestLayerNormValues(t *testing.T) {
	x := New([]float32{1, 2, 3, 4, -1, -1, -1, -1}, 2, 4)
	gamma := New([]float32{1, 2, 1, 1}, 4)
	beta := New([]float32{0, 0, 0, 1}, 4)
	y := NewTape().LayerNorm(x, gamma, beta, 1e-5)
	// Row 1: mean 2.5, variance 1.25; a constant row normalises to 0.
	s := 1 / math.Sqrt(1.25+1e-5)
	want := []float32{float32(-1.5 * s), float32(2 * -0.5 * s), float32(0.5 * s), float32(1.5*s + 1), 0, 0, 0, 1}
	closeTo(t, "LayerNorm", y.Data, want, 1e-6)
}

func TestL2NormalizeGradients(t *testing.T) {
	for i, shape := range [][]int{{3, 4}, {2, 1, 3}, {2, 1}} {
		rng := newRNG(uint64(55 + i))
		x := randParam(rng, -2, 2, shape...)
		for j := range x.Data { // keep |x| clear of 0 for 1-element rows
			if math.Abs(float64(x.Data[j])) < 0.2 {
				x.Data[j] = 0.5
			}
		}
		checkGrad(t, "L2Normalize", []*Tensor{x}, func(g *Tape) *Tensor { return g.L2Normalize(x, 1e-8) })
	}
	// Rows below eps are divided by eps: gradient is dy/eps.
	small := New([]float32{1e-3, -2e-3}, 1, 2)
	small.SetRequiresGrad(true)
	checkGradTol(t, "L2Normalize below eps", []*Tensor{small}, 1e-3, 1e-3, func(g *Tape) *Tensor {
		return g.L2Normalize(small, 1)
	})
}

func TestL2NormalizeValues(t *testing.T) {
	y := NewTape().L2Normalize(New([]float32{3, 4, 0, 0}, 2, 2), 1e-12)
	closeTo(t, "L2Normalize", y.Data, []float32{0.6, 0.8, 0, 0}, 1e-7)
}

func TestLayerNormShapePanic(t *testing.T) {
	expectPanic(t, func() { NewTape().LayerNorm(Zeros(2, 4), Zeros(3), nil, 1e-5) }, "autograd: LayerNorm", "[2 4]", "[3]")
}

// TestLayerNormFusedBackwardManyRows checks the fused LayerNorm backward
// against a float64 evaluation of its formula on enough rows to be split
// over workers, for an input that is a leaf (dx added to an existing
// gradient) and an intermediate (dx written into a fresh buffer).
func TestLayerNormFusedBackwardManyRows(t *testing.T) {
	const rows, n = 300, 64
	rng := newRNG(58)
	x := randParam(rng, -2, 2, rows, n)
	gamma, beta := randParam(rng, 0.5, 1.5, n), randParam(rng, -1, 1, n)
	dy := randConst(rng, -1, 1, rows, n)
	wantDx := make([]float64, rows*n)
	wantDg, wantDb := make([]float64, n), make([]float64, n)
	for r := range rows {
		xr, gr := x.Data[r*n:(r+1)*n], dy.Data[r*n:(r+1)*n]
		var mean, v float64
		for _, xv := range xr {
			mean += float64(xv) / n
		}
		for _, xv := range xr {
			v += (float64(xv) - mean) * (float64(xv) - mean) / n
		}
		rstd := 1 / math.Sqrt(v+1e-5)
		var mg, mgx float64
		for i, xv := range xr {
			gh := float64(gr[i]) * float64(gamma.Data[i])
			mg += gh / n
			mgx += gh * (float64(xv) - mean) * rstd / n
		}
		for i, xv := range xr {
			xhat := (float64(xv) - mean) * rstd
			wantDx[r*n+i] = rstd * (float64(gr[i])*float64(gamma.Data[i]) - mg - xhat*mgx)
			wantDg[i] += float64(gr[i]) * xhat
			wantDb[i] += float64(gr[i])
		}
	}
	f32 := func(v []float64) []float32 {
		out := make([]float32, len(v))
		for i := range v {
			out[i] = float32(v[i])
		}
		return out
	}
	for _, intermediate := range []bool{false, true} {
		for _, p := range []*Tensor{x, gamma, beta} {
			p.Grad = nil
		}
		// A second use of the input, Σ in, adds 1 to every dx. Recorded
		// after LayerNorm it runs first in backward, so LayerNorm must add
		// to that gradient; recorded before, LayerNorm writes a fresh one.
		g := NewTape()
		var y, extra *Tensor
		if intermediate {
			in := g.MulScalar(x, 1) // same values, but a tape tensor
			extra = g.SumAll(in)
			y = g.LayerNorm(in, gamma, beta, 1e-5)
		} else {
			y = g.LayerNorm(x, gamma, beta, 1e-5)
			extra = g.SumAll(x)
		}
		g.Backward(g.Add(g.SumAll(g.Mul(y, dy)), extra))
		for i := range x.Grad {
			x.Grad[i]--
		}
		closeTo(t, "dx", x.Grad, f32(wantDx), 1e-4)
		closeTo(t, "dgamma", gamma.Grad, f32(wantDg), 1e-4)
		closeTo(t, "dbeta", beta.Grad, f32(wantDb), 1e-4)
	}
}
