package autograd

import (
	"fmt"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// stepGemmShapes are the GEMMs of the peer-vit and peer-resnet training
// steps at batch 128 (clipmodel/configs/peer-*.json), op(A) m×k times op(B)
// k×n. threads is the pool the GEMM gets in the step: Linear layers and the
// grouped convolutions call it from the top level (2 threads here), the
// per-image convolutions from one worker each (1 thread).
var stepGemmShapes = []struct {
	name    string
	m, n, k int
	tA, tB  bool
	threads int
}{
	{"vit-qkv", 8320, 768, 256, false, true, 2},
	{"vit-mlp-fc", 8320, 1024, 256, false, true, 2},
	{"vit-mlp-proj", 8320, 256, 1024, false, true, 2},
	{"vit-out-dx", 8320, 256, 256, false, false, 2},
	{"vit-qkv-dw", 768, 256, 8320, true, false, 2},
	{"text-mlp-fc", 4096, 1024, 256, false, true, 2},
	{"text-mlp-dw", 1024, 256, 4096, true, false, 2},
	{"attn-scores", 65, 65, 64, false, true, 1},
	{"patch-grouped", 256, 256, 192, false, false, 2},
	{"conv32@64", 32, 4096, 288, false, false, 1},
	{"conv32@64-dw", 32, 288, 4096, false, true, 1},
	{"conv64@32", 64, 1024, 576, false, false, 1},
	{"conv64@32-dw", 64, 576, 1024, false, true, 1},
	{"conv128@16", 128, 256, 1152, false, false, 1},
	{"conv128@16-dw", 128, 1152, 256, false, true, 1},
	{"conv256@8", 256, 64, 2304, false, false, 1},
	{"conv256@8-dw", 256, 2304, 64, false, true, 1},
	{"conv-s2-64@32", 64, 1024, 288, false, false, 1},
	{"conv-s2-128@16", 128, 256, 576, false, false, 1},
	{"conv-s2-256-grouped", 256, 256, 1152, false, false, 2},
	{"wino64@32", 64, 256, 64, false, false, 1},
	{"wino256@8", 256, 256, 256, false, false, 1},
	// small products, to find where bf16 stops paying
	{"small", 8, 8, 8, false, false, 1},
	{"small", 16, 16, 16, false, false, 1},
	{"small", 32, 32, 32, false, false, 1},
	{"small", 64, 64, 64, false, false, 1},
	{"small", 128, 16, 192, false, false, 1},
	{"small", 65, 64, 65, false, false, 1},
	{"small", 16, 256, 256, false, false, 1},
	{"small", 256, 16, 256, false, false, 1},
	{"small", 256, 256, 16, false, false, 1},
	{"small", 256, 256, 8, false, false, 1},
	{"small", 256, 256, 12, false, false, 1},
	{"small", 256, 256, 24, false, false, 1},
	{"small", 256, 256, 32, false, false, 1},
	{"small", 256, 256, 2, false, false, 1},
	{"small", 4, 4, 4096, false, false, 1},
	{"small", 4, 512, 512, false, false, 1},
	{"small", 512, 4, 512, false, false, 1},
	{"small", 128, 128, 128, true, true, 1},
}

// BenchmarkGemmStepShapes times simd.Sgemm against simd.GemmBF16 on the
// training step's GEMM shapes, reporting CPU milliseconds per call (the
// figure to compare on a shared machine) beside GFLOP/s. Run with
// -bench 'GemmStepShapes' -benchtime 20x.
func BenchmarkGemmStepShapes(b *testing.B) {
	for _, s := range stepGemmShapes {
		for _, p := range []Precision{FP32, BF16} {
			name := fmt.Sprintf("shape=%s/m=%d/n=%d/k=%d/threads=%d/p=%v", s.name, s.m, s.n, s.k, s.threads, p)
			b.Run(name, func(b *testing.B) {
				defer parallel.SetThreads(parallel.SetThreads(s.threads))
				rng := newRNG(1)
				a, bb := convTestWeights(rng, s.m*s.k), convTestWeights(rng, s.k*s.n)
				c := make([]float32, s.m*s.n)
				lda, ldb := s.k, s.n
				if s.tA {
					lda = s.m
				}
				if s.tB {
					ldb = s.k
				}
				gemm := simd.Sgemm
				if p == BF16 {
					gemm = simd.GemmBF16
				}
				benchMedian(b, func() {
					gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				})
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
