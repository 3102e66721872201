//go:build amd64 && !purego

package simd

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSgemmKernelDirect times the direct-A 12×32 kernels against the
// packed one sweeping one A panel over an nb-column group of packed B panels
// (the driver's inner loop), for row strides with and without 4 KiB
// aliasing. Rounds alternate the kernels; the best round of each is reported.
func BenchmarkSgemmKernelDirect(b *testing.B) {
	kern := sgemmKernelAVX512
	if !Supported(AVX512) {
		b.Skip("AVX-512 not supported on this CPU")
	}
	kc, groups := kern.kc, kern.nb/kern.nr
	bp := make([]float32, groups*kern.nr*kc)
	c := make([]float32, kern.mr*kern.nb)
	ap := make([]float32, kern.mr*kc)
	fill(bp, c, ap) // untouched pages would all map to the one zero page
	for _, layout := range []string{"N", "T"} {
		for _, lda := range []int{256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8320} {
			b.Run(fmt.Sprintf("A=%s/lda=%d", layout, lda), func(b *testing.B) {
				tile, a := kern.directN, make([]float32, 12*lda)
				if layout == "T" {
					tile, a = kern.directT, make([]float32, kc*lda)
				}
				fill(a)
				sweep := func(direct bool) time.Duration {
					t0 := time.Now()
					for q := 0; q < groups; q++ {
						if direct {
							tile(kc, a, lda, bp[q*kern.nr*kc:], kern.nr, c[q*kern.nr:], kern.nb, 1, 1)
						} else {
							kern.tile(kc, ap, bp[q*kern.nr*kc:], c[q*kern.nr:], kern.nb, 1, 1)
						}
					}
					return time.Since(t0)
				}
				best := [2]time.Duration{1 << 62, 1 << 62}
				for i := 0; i < b.N; i++ {
					best[0] = min(best[0], sweep(false))
					best[1] = min(best[1], sweep(true))
				}
				flop := 2 * float64(kern.mr*kern.nb*kc)
				b.ReportMetric(flop/best[0].Seconds()/1e9, "packed-GFLOP/s")
				b.ReportMetric(flop/best[1].Seconds()/1e9, "direct-GFLOP/s")
			})
		}
	}
}

func fill(xs ...[]float32) {
	for _, x := range xs {
		for i := range x {
			x[i] = 0.5
		}
	}
}

// BenchmarkSgemmKernelDirectB times packed A with B read in place (step ldb)
// against packed B: one A panel sweeping an nb-column group of B, as the
// driver does; the best round of each is reported.
func BenchmarkSgemmKernelDirectB(b *testing.B) {
	kern := sgemmKernelAVX512
	if !Supported(AVX512) {
		b.Skip("AVX-512 not supported on this CPU")
	}
	kc, groups := kern.kc, kern.nb/kern.nr
	bp := make([]float32, groups*kern.nr*kc)
	c := make([]float32, kern.mr*kern.nb)
	ap := make([]float32, kern.mr*kc)
	fill(bp, c, ap)
	for _, ldb := range []int{512, 768, 1024, 1040, 2048, 3072} {
		b.Run(fmt.Sprintf("ldb=%d", ldb), func(b *testing.B) {
			src := make([]float32, kc*ldb)
			fill(src)
			sweep := func(direct bool) time.Duration {
				t0 := time.Now()
				for q := 0; q < groups; q++ {
					if direct {
						kern.directT(kc, ap, kern.mr, src[q*kern.nr:], ldb, c[q*kern.nr:], kern.nb, 1, 1)
					} else {
						kern.tile(kc, ap, bp[q*kern.nr*kc:], c[q*kern.nr:], kern.nb, 1, 1)
					}
				}
				return time.Since(t0)
			}
			best := [2]time.Duration{1 << 62, 1 << 62}
			for i := 0; i < b.N; i++ {
				best[0] = min(best[0], sweep(false))
				best[1] = min(best[1], sweep(true))
			}
			flop := 2 * float64(kern.mr*kern.nb*kc)
			b.ReportMetric(flop/best[0].Seconds()/1e9, "packed-GFLOP/s")
			b.ReportMetric(flop/best[1].Seconds()/1e9, "direct-GFLOP/s")
		})
	}
}
