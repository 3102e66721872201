package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// BenchmarkGemmBF16 reports GFLOP/s per implementation (the kernel serving
// gemm_bf16 at each level), shape (M×K×N) and thread count.
func BenchmarkGemmBF16(b *testing.B) {
	shapes := [][3]int{{1024, 1024, 1024}}
	old := Active()
	defer SetLevel(old)
	for l := Generic; l <= AMX; l++ {
		if !Supported(l) {
			continue
		}
		SetLevel(l)
		impl := kernelFor("gemm_bf16")
		for _, s := range shapes {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("impl=%s/m=%d/k=%d/n=%d/threads=%d", impl, s[0], s[1], s[2], threads)
				b.Run(name, func(b *testing.B) {
					SetLevel(l)
					prev := parallel.SetThreads(threads)
					defer parallel.SetThreads(prev)
					benchGemmBF16(b, s[0], s[1], s[2])
				})
			}
		}
	}
}

// kernelFor returns the implementation name recorded for op.
func kernelFor(op string) string {
	kernelMu.Lock()
	defer kernelMu.Unlock()
	return kernelNames[op]
}

func benchGemmBF16(b *testing.B, m, k, n int) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y, c := uniform(rng, m*k, -1, 1), uniform(rng, k*n, -1, 1), make([]float32, m*n)
	GemmBF16(false, false, m, n, k, 1, x, k, y, n, 0, c, n) // warm the buffer pools
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		GemmBF16(false, false, m, n, k, 1, x, k, y, n, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
