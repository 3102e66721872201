package autograd

import (
	"fmt"
	"math"
	"testing"
)

// naiveAttention computes softmax(q·kᵀ/√d)·v in float64 for one (b,h).
func naiveAttention(q, k, v []float32, tq, tk, d int, causal bool) []float32 {
	out := make([]float32, tq*d)
	for i := range tq {
		n := tk
		if causal {
			n = i + 1
		}
		s := make([]float64, n)
		m := math.Inf(-1)
		for j := range n {
			for p := range d {
				s[j] += float64(q[i*d+p]) * float64(k[j*d+p])
			}
			s[j] /= math.Sqrt(float64(d))
			m = math.Max(m, s[j])
		}
		var z float64
		for j := range s {
			s[j] = math.Exp(s[j] - m)
			z += s[j]
		}
		for p := range d {
			var acc float64
			for j := range n {
				acc += s[j] / z * float64(v[j*d+p])
			}
			out[i*d+p] = float32(acc)
		}
	}
	return out
}

func TestScaledDotProductAttention(t *testing.T) {
	rng := newRNG(80)
	for _, c := range []struct {
		b, h, tq, tk, d int
		causal          bool
	}{
		{2, 3, 4, 4, 5, false},
		{2, 3, 4, 4, 5, true},
		{1, 1, 1, 6, 3, false}, // one query (attention pooling)
		{1, 2, 1, 1, 1, true},
		{3, 1, 5, 2, 4, false},
	} {
		q := randParam(rng, -1, 1, c.b, c.h, c.tq, c.d)
		k := randParam(rng, -1, 1, c.b, c.h, c.tk, c.d)
		v := randParam(rng, -1, 1, c.b, c.h, c.tk, c.d)
		tag := fmt.Sprintf("SDPA %+v", c)
		y := NewTape().ScaledDotProductAttention(q, k, v, c.causal)
		for i := range c.b * c.h {
			want := naiveAttention(q.Data[i*c.tq*c.d:], k.Data[i*c.tk*c.d:], v.Data[i*c.tk*c.d:], c.tq, c.tk, c.d, c.causal)
			closeTo(t, tag, y.Data[i*c.tq*c.d:(i+1)*c.tq*c.d], want, 1e-5)
		}
		checkGrad(t, tag, []*Tensor{q, k, v}, func(g *Tape) *Tensor { return g.ScaledDotProductAttention(q, k, v, c.causal) })
	}
}

// splitHeads turns qkv [B,T,3D] into q, k, v [B,H,T,Dh] with generic ops.
func splitHeads(g *Tape, qkv *Tensor, heads int) (q, k, v *Tensor) {
	b, t, d := qkv.Shape[0], qkv.Shape[1], qkv.Shape[2]/3
	part := func(i int) *Tensor {
		s := g.Slice(qkv, 2, i*d, (i+1)*d)
		return g.Permute(g.Reshape(s, b, t, heads, d/heads), 0, 2, 1, 3)
	}
	return part(0), part(1), part(2)
}

func TestAttentionQKVMatchesUnfused(t *testing.T) {
	rng := newRNG(81)
	for _, c := range []struct{ b, t, d, heads int }{{2, 5, 6, 2}, {1, 3, 4, 1}, {2, 1, 6, 3}} {
		for _, causal := range []bool{false, true} {
			qkv := randParam(rng, -1, 1, c.b, c.t, 3*c.d)
			tag := fmt.Sprintf("AttentionQKV %+v causal=%v", c, causal)
			reference := func(g *Tape) *Tensor {
				q, k, v := splitHeads(g, qkv, c.heads)
				o := g.ScaledDotProductAttention(q, k, v, causal)
				return g.Reshape(g.Permute(o, 0, 2, 1, 3), c.b, c.t, c.d)
			}
			fused := func(g *Tape) *Tensor { return g.AttentionQKV(qkv, c.heads, causal) }

			g := NewTape()
			closeTo(t, tag, fused(g).Data, reference(g).Data, 1e-6)
			// Same gradients as the unfused path for the same upstream weights.
			grads := make([][]float32, 2)
			for i, f := range []func(*Tape) *Tensor{fused, reference} {
				qkv.Grad = nil
				g := NewTape()
				y := f(g)
				w := New(make([]float32, len(y.Data)), y.Shape...)
				for j := range w.Data {
					w.Data[j] = float32(math.Sin(float64(j)))
				}
				g.Backward(g.SumAll(g.Mul(y, w)))
				grads[i] = qkv.Grad
			}
			closeTo(t, tag+" grad", grads[0], grads[1], 1e-5)
			checkGrad(t, tag, []*Tensor{qkv}, fused)
		}
	}
}

func TestAttentionPanics(t *testing.T) {
	g := NewTape()
	expectPanic(t, func() { g.AttentionQKV(Zeros(1, 2, 8), 2, false) }, "autograd: AttentionQKV", "[1 2 8]")
	expectPanic(t, func() { g.ScaledDotProductAttention(Zeros(1, 1, 2, 3), Zeros(1, 1, 4, 3), Zeros(1, 1, 4, 3), true) }, "autograd: ScaledDotProductAttention", "[1 1 2 3]")
	expectPanic(t, func() { g.ScaledDotProductAttention(Zeros(1, 1, 2, 3), Zeros(1, 1, 2, 4), Zeros(1, 1, 2, 4), false) }, "autograd: ScaledDotProductAttention", "[1 1 2 4]")
}

func TestAttentionOnlySomeInputsNeedGrad(t *testing.T) {
	rng := newRNG(82)
	q := randParam(rng, -1, 1, 1, 2, 3, 4)
	k := randConst(rng, -1, 1, 1, 2, 3, 4)
	v := randParam(rng, -1, 1, 1, 2, 3, 4)
	checkGrad(t, "SDPA frozen k", []*Tensor{q, v}, func(g *Tape) *Tensor { return g.ScaledDotProductAttention(q, k, v, true) })
}

// TestAttentionRowAndGemmPathsAgree runs the row kernels and the GEMM path
// on the same inputs (CLIP-like sizes, odd lengths, causal or not, one
// frozen input) and compares outputs and gradients.
func TestAttentionRowAndGemmPathsAgree(t *testing.T) {
	old := attnRowsMaxWork
	defer func() { attnRowsMaxWork = old }()
	rng := newRNG(83)
	for _, c := range []struct{ b, t, d, heads int }{{2, 17, 64, 2}, {3, 7, 12, 3}, {1, 24, 96, 3}} {
		for _, causal := range []bool{false, true} {
			qkv := randParam(rng, -2, 2, c.b, c.t, 3*c.d)
			w := randConst(rng, -1, 1, c.b, c.t, c.d)
			var outs, grads [2][]float32
			for i, limit := range []int{1 << 30, 0} {
				attnRowsMaxWork = limit
				qkv.Grad = nil
				g := NewTape()
				y := g.AttentionQKV(qkv, c.heads, causal)
				outs[i] = append([]float32(nil), y.Data...)
				g.Backward(g.SumAll(g.Mul(y, w)))
				grads[i] = qkv.Grad
			}
			tag := fmt.Sprintf("%+v causal=%v", c, causal)
			closeTo(t, tag+" out", outs[0], outs[1], 1e-5)
			closeTo(t, tag+" grad", grads[0], grads[1], 1e-4)
		}
	}
	// Frozen keys: q and v gradients only, both paths.
	q := randParam(rng, -1, 1, 2, 2, 9, 8)
	k := randConst(rng, -1, 1, 2, 2, 9, 8)
	v := randParam(rng, -1, 1, 2, 2, 9, 8)
	for _, limit := range []int{1 << 30, 0} {
		attnRowsMaxWork = limit
		checkGrad(t, fmt.Sprintf("SDPA frozen k limit %d", limit), []*Tensor{q, v}, func(g *Tape) *Tensor { return g.ScaledDotProductAttention(q, k, v, true) })
	}
}
