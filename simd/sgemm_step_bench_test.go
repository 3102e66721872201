package simd

import (
	"fmt"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// BenchmarkSgemmStep times the GEMM shapes of a CLIP training step at the
// active level: Linear forward x·Wᵀ and input gradient with M = 8320 rows,
// and the weight gradient dYᵀ·X (transposed A, K = 8320), next to the
// square and wide reference shapes.
func BenchmarkSgemmStep(b *testing.B) {
	shapes := []struct {
		transA, transB bool
		m, k, n        int
	}{
		{false, false, 8320, 256, 768},
		{false, false, 8320, 256, 256},
		{false, false, 8320, 1024, 256},
		{false, true, 8320, 256, 768},
		{true, false, 768, 8320, 256},
		{true, false, 256, 8320, 1024},
		{false, false, 1024, 1024, 1024},
		{false, false, 256, 512, 2048},
	}
	for _, s := range shapes {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("tA=%v/tB=%v/m=%d/k=%d/n=%d/threads=%d", s.transA, s.transB, s.m, s.k, s.n, threads)
			b.Run(name, func(b *testing.B) {
				old := parallel.SetThreads(threads)
				defer parallel.SetThreads(old)
				benchSgemmT(b, s.transA, s.transB, s.m, s.k, s.n)
			})
		}
	}
}
