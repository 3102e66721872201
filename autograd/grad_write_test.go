package autograd

import (
	"math"
	"testing"
)

// TestOverwrittenGradientsIgnoreStaleBuffers runs a graph whose backward
// passes overwrite fresh gradient buffers (gradForWrite) on a tape whose
// pooled buffers were filled with NaN, and checks the gradients equal those
// of a clean tape: a fresh buffer that is not fully written shows as NaN.
func TestOverwrittenGradientsIgnoreStaleBuffers(t *testing.T) {
	rng := newRNG(90)
	x := randParam(rng, -1, 1, 3, 2, 8)
	w1, b1 := randParam(rng, -0.4, 0.4, 12, 8), randParam(rng, -1, 1, 12)
	w2 := randParam(rng, -0.3, 0.3, 8, 12)
	s := randParam(rng, 0.5, 1.5)
	gamma, beta := randParam(rng, 0.5, 1.5, 12), randParam(rng, -1, 1, 12)
	params := []*Tensor{x, w1, b1, w2, s, gamma, beta}
	kinked := true // ReLU; finite differences need the smooth Tanh instead
	graph := func(g *Tape) *Tensor {
		act := g.ReLU
		if !kinked {
			act = g.Tanh
		}
		h := g.Linear(x, w1, b1)              // dx fresh through Linear (beta 0)
		h = g.LayerNorm(h, gamma, beta, 1e-5) // fused backward writes dx
		h = g.Add(g.GELU(h), g.QuickGELU(h))  // h feeds two ops: second must add
		h = g.Mul(act(h), g.Sigmoid(h))       // same-shape Mul
		h = g.Sub(g.Linear(h, w2, nil), s)    // broadcast scalar: reduced serially
		h = g.Add(g.Mul(h, h), x)             // one tensor as both operands
		return g.SumAll(g.Mul(g.Exp(g.MulScalar(h, 0.1)), h))
	}
	run := func(g *Tape) [][]float32 {
		for _, p := range params {
			p.Grad = nil
		}
		g.Backward(graph(g))
		out := make([][]float32, len(params))
		for i, p := range params {
			out[i] = append([]float32(nil), p.Grad...)
		}
		return out
	}
	// The graph's gradients are right (a tensor feeding two ops must sum
	// both contributions, not keep the last one written) ...
	kinked = false
	checkGrad(t, "overwrite graph", params, graph)
	kinked = true
	// ... and the same when every pooled buffer holds garbage.
	want := run(NewTape())
	g := NewTape()
	run(g)
	g.Reset()
	for _, bufs := range g.pool {
		for _, b := range bufs {
			for i := range b {
				b[i] = float32(math.NaN())
			}
		}
	}
	got := run(g)
	for i := range params {
		closeTo(t, "param "+string(rune('0'+i)), got[i], want[i], 0)
	}
}
