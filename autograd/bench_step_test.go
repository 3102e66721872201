package autograd

import (
	"fmt"
	"testing"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

// Benchmarks of the ops that dominate a CLIP training step, forward and
// backward together, at the tiny and peer model sizes.

// BenchmarkAttentionQKV is fused multi-head self-attention over a [B,T,3D]
// projection; path=rows and path=gemm force the two kernels.
func BenchmarkAttentionQKV(b *testing.B) {
	for _, c := range []struct {
		name       string
		b, t, d, h int
		causal     bool
	}{
		{"vit-tiny", 128, 17, 128, 4, false},
		{"text-tiny", 128, 24, 128, 4, true},
		{"vit-peer", 128, 65, 256, 4, false},
		{"text-peer", 128, 32, 256, 4, true},
	} {
		for _, path := range []string{"rows", "gemm"} {
			b.Run(fmt.Sprintf("%s/B=%d/T=%d/D=%d/H=%d/path=%s", c.name, c.b, c.t, c.d, c.h, path), func(b *testing.B) {
				old := attnRowsMaxWork
				defer func() { attnRowsMaxWork = old }()
				attnRowsMaxWork = 1 << 30
				if path == "gemm" {
					attnRowsMaxWork = 0
				}
				qkv := randParam(newRNG(1), -1, 1, c.b, c.t, 3*c.d)
				benchFwdBwd(b, []*Tensor{qkv}, func(g *Tape) *Tensor { return g.AttentionQKV(qkv, c.h, c.causal) })
			})
		}
	}
}

// BenchmarkUnary covers the activations of the MLP blocks.
func BenchmarkUnary(b *testing.B) {
	x := randParam(newRNG(2), -3, 3, 128*24, 256)
	for _, op := range []struct {
		name string
		f    func(g *Tape, a *Tensor) *Tensor
	}{{"GELU", (*Tape).GELU}, {"QuickGELU", (*Tape).QuickGELU}} {
		b.Run(op.name, func(b *testing.B) {
			benchFwdBwd(b, []*Tensor{x}, func(g *Tape) *Tensor { return op.f(g, x) })
		})
	}
}

// BenchmarkLayerNorm is pre-LN over [B·T, D] with gain and bias.
func BenchmarkLayerNorm(b *testing.B) {
	rng := newRNG(3)
	x := randParam(rng, -1, 1, 128*24, 256)
	gamma, beta := randParam(rng, 0.5, 1.5, 256), randParam(rng, -1, 1, 256)
	benchFwdBwd(b, []*Tensor{x, gamma, beta}, func(g *Tape) *Tensor { return g.LayerNorm(x, gamma, beta, 1e-5) })
}

// benchFwdBwd times op's forward and backward with a tape reused across
// iterations (as training does), seeding the output gradient with ones.
func benchFwdBwd(b *testing.B, params []*Tensor, op func(g *Tape) *Tensor) {
	g := NewTape()
	step := func() {
		g.Reset()
		y := op(g)
		g.Backward(g.SumAll(y))
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Seconds()
	for range b.N {
		for _, p := range params {
			p.ZeroGrad()
		}
		step()
	}
	b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}
