package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// BenchmarkSgemm reports GFLOP/s per implementation, shape (M×K×N) and thread count.
func BenchmarkSgemm(b *testing.B) {
	shapes := [][3]int{{1024, 1024, 1024}, {2048, 2048, 2048}, {256, 512, 2048}}
	for _, l := range []Level{Generic, AVX2, AVX512} {
		if !Supported(l) {
			continue
		}
		for _, s := range shapes {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("impl=%s/m=%d/k=%d/n=%d/threads=%d", l, s[0], s[1], s[2], threads)
				b.Run(name, func(b *testing.B) {
					withLevel(b, l, func() {
						old := parallel.SetThreads(threads)
						defer parallel.SetThreads(old)
						benchSgemm(b, s[0], s[1], s[2])
					})
				})
			}
		}
	}
}

// BenchmarkSgemmTrans covers the transposed operands of backward passes
// (A·Bᵀ, Aᵀ·B) at the active level on one and two threads.
func BenchmarkSgemmTrans(b *testing.B) {
	for _, tr := range [][2]bool{{false, true}, {true, false}, {true, true}} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("tA=%v/tB=%v/m=1024/k=1024/n=1024/threads=%d", tr[0], tr[1], threads), func(b *testing.B) {
				old := parallel.SetThreads(threads)
				defer parallel.SetThreads(old)
				benchSgemmT(b, tr[0], tr[1], 1024, 1024, 1024)
			})
		}
	}
}

func benchSgemm(b *testing.B, m, k, n int) { benchSgemmT(b, false, false, m, k, n) }

func benchSgemmT(b *testing.B, transA, transB bool, m, k, n int) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	Sgemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n) // warm the buffer pool
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Sgemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
