package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// BenchmarkGemmBF16 reports GFLOP/s per implementation (the kernel serving
// gemm_bf16 at each level), shape (M×K×N, the bench/RESULTS.md set) and
// thread count.
func BenchmarkGemmBF16(b *testing.B) {
	shapes := [][3]int{{1024, 1024, 1024}, {2048, 2048, 2048}, {256, 512, 2048}}
	old := Active()
	defer SetLevel(old)
	for l := Generic; l <= AMX; l++ {
		if !Supported(l) {
			continue
		}
		SetLevel(l)
		impl := kernelFor("gemm_bf16")
		for _, s := range shapes {
			if l == Generic && s[0]*s[1]*s[2] > 1<<30 {
				continue // seconds per call: not worth timing the pure-Go path
			}
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

// BenchmarkPackBF16 times rounding and packing kc-deep blocks of each
// operand as the AVX512_BF16 driver does (A: mc/2 rows, B: nb columns), in
// GB/s of float32 read. Successive calls walk a 2048×2048 matrix, so the
// source comes from L3 or memory as in a real GEMM, not from L2.
func BenchmarkPackBF16(b *testing.B) {
	kern := bf16KernelGo
	if bf16KernelAVX512 != nil {
		kern = bf16KernelAVX512
	}
	const ld = 2048
	rng := rand.New(rand.NewPCG(5, 6))
	src := uniform(rng, ld*ld, -1, 1)
	kc, kp := kern.kc, kern.pairSteps(kern.kc)
	for _, op := range []string{"A", "B"} {
		for _, trans := range []bool{false, true} {
			lanes, w := kern.mc/2, kern.mr
			if op == "B" {
				lanes, w = kern.nb, kern.nr
			}
			dst := make([]uint32, (lanes+w-1)/w*w*kp)
			blocks := (ld / lanes) * (ld / kc)
			b.Run(fmt.Sprintf("op=%s/trans=%v/lanes=%d/kc=%d", op, trans, lanes, kc), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					l0, p0 := i%blocks%(ld/lanes)*lanes, i%blocks/(ld/lanes)*kc
					if op == "A" {
						packABF16(dst, trans, src, ld, l0, lanes, p0, kc, kp, w)
					} else {
						packBBF16(dst, trans, src, ld, p0, kc, kp, l0, lanes, w)
					}
				}
				b.ReportMetric(4*float64(lanes*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
