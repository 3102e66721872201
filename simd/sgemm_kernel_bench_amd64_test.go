//go:build amd64 && !purego

package simd

import "testing"

// BenchmarkSgemmKernel times the micro-kernels alone on L1/L2-resident panels:
// the ceiling the blocked driver can reach.
func BenchmarkSgemmKernel(b *testing.B) {
	for _, kern := range []*gemmKernel{sgemmKernelAVX2, sgemmKernelAVX512} {
		b.Run("kernel="+kern.name, func(b *testing.B) {
			kc := kern.kc
			groups := kern.nb / kern.nr
			ap := make([]float32, kern.mr*kc)
			bp := make([]float32, groups*kern.nr*kc)
			c := make([]float32, kern.mr*kern.nb)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for q := 0; q < groups; q++ {
					kern.tile(kc, ap, bp[q*kern.nr*kc:], c[q*kern.nr:], kern.nb, 1, 1)
				}
			}
			flops := 2 * float64(kern.mr*kern.nb*kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmKernelSlim times the 4-row AVX-512 kernel used for the last,
// ragged row panel, on the same cache-resident panels.
func BenchmarkSgemmKernelSlim(b *testing.B) {
	kern := sgemmKernelAVX512
	kc, groups := kern.kc, kern.nb/kern.nr
	ap := make([]float32, kern.mr*kc)
	bp := make([]float32, groups*kern.nr*kc)
	c := make([]float32, kern.slimRows*kern.nb)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for q := 0; q < groups; q++ {
			kern.slim(kc, ap, bp[q*kern.nr*kc:], c[q*kern.nr:], kern.nb, 1, 1)
		}
	}
	flops := 2 * float64(kern.slimRows*kern.nb*kc) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
