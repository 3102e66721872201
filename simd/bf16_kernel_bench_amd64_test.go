//go:build amd64 && !purego

package simd

import "testing"

// BenchmarkBF16Kernel times the VDPBF16PS micro-kernel alone on
// cache-resident packed panels (one A panel in L1, an nb-column B group in
// L2): the ceiling the blocked driver can reach.
func BenchmarkBF16Kernel(b *testing.B) {
	if !HasBF16Dot() {
		b.Skip("no AVX512_BF16 on this CPU")
	}
	kern := bf16KernelAVX512
	kp := kern.pairSteps(kern.kc)
	groups := kern.nb / kern.nr
	ap := make([]uint32, kern.mr*kp)
	bp := make([]uint32, groups*kern.nr*kp)
	c := make([]float32, kern.mr*kern.nb)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for q := 0; q < groups; q++ {
			kern.tile(kp, ap, bp[q*kern.nr*kp:], c[q*kern.nr:], kern.nb, 1, 1)
		}
	}
	flops := 2 * float64(kern.mr*kern.nb*2*kp) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
