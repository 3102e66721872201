package autograd

import (
	"fmt"
	"testing"
)

// BenchmarkLinearPrecision times one Linear forward and backward at FP32 and
// BF16 on the GEMM shapes of the tiny preset (rows = batch·tokens) and on a
// small one, to see where bf16 operand conversion pays for itself.
func BenchmarkLinearPrecision(b *testing.B) {
	for _, s := range []struct{ rows, in, out int }{{2176, 128, 384}, {3072, 256, 128}, {512, 128, 128}, {256, 64, 64}} {
		for _, p := range []Precision{FP32, BF16} {
			b.Run(fmt.Sprintf("rows=%d/in=%d/out=%d/%v", s.rows, s.in, s.out, p), func(b *testing.B) {
				rng := newRNG(1)
				x, w := randParam(rng, -1, 1, s.rows, s.in), randParam(rng, -1, 1, s.out, s.in)
				dy := convTestWeights(rng, s.rows*s.out)
				g := NewTape()
				g.SetPrecision(p)
				for i := 0; i < b.N; i++ {
					g.Reset()
					g.Backward(convTestLoss(g, g.Linear(x, w, nil), dy))
				}
				b.ReportMetric(6*float64(s.rows*s.in*s.out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGemmPrecision times the tape's GEMM alone at both precisions on
// shapes from tiny (a ViT patch-embedding image: 128×16×192) to large, to
// find the size below which bf16 packing costs more than it saves.
func BenchmarkGemmPrecision(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{128, 16, 192}, {64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {2176, 384, 128}, {512, 512, 512}, {1024, 1024, 1024}} {
		for _, p := range []Precision{FP32, BF16} {
			b.Run(fmt.Sprintf("m=%d/n=%d/k=%d/%v", s.m, s.n, s.k, p), func(b *testing.B) {
				rng := newRNG(1)
				a, bb := convTestWeights(rng, s.m*s.k), convTestWeights(rng, s.k*s.n)
				c := make([]float32, s.m*s.n)
				g := NewTape()
				g.SetPrecision(p)
				for i := 0; i < b.N; i++ {
					g.gemm(false, false, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
