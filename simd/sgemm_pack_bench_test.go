package simd

import (
	"fmt"
	"testing"
)

// BenchmarkSgemmPack reports packed elements per nanosecond for the A and B
// panel packers, plain and transposed, on a 1024-stride source.
func BenchmarkSgemmPack(b *testing.B) {
	const ld, rows, kc = 1024, 384, 256
	src := make([]float32, ld*ld)
	dst := make([]float32, rows*kc)
	for _, kern := range []*gemmKernel{sgemmKernelAVX512} {
		if kern == nil {
			continue
		}
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("A/mr=%d/trans=%v", kern.mr, trans), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					packA(dst, trans, src, ld, 0, rows, 0, kc, kern.mr)
				}
				b.ReportMetric(float64(rows*kc)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
			})
			b.Run(fmt.Sprintf("B/nr=%d/trans=%v", kern.nr, trans), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					packB(dst, trans, src, ld, 0, kc, 0, rows, kern.nr)
				}
				b.ReportMetric(float64(rows*kc)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
			})
		}
	}
}
