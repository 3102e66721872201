//go:build amd64 && !purego

package simd

import (
	"fmt"
	"testing"
)

// BenchmarkAMXTile times the AMX tile kernel alone on panels that stay in
// cache, to separate its instruction rate from packing and memory.
func BenchmarkAMXTile(b *testing.B) {
	if !Supported(AMX) {
		b.Skip("no AMX on this CPU")
	}
	for _, kp := range []int{64, 256, 512} {
		b.Run(fmt.Sprintf("kp=%d", kp), func(b *testing.B) {
			ap := make([]uint32, amxMR*kp)
			bp := make([]uint32, amxNR*kp)
			c := make([]float32, amxMR*amxNR)
			for i := range ap {
				ap[i] = bf16Pair(0.5, 0.25)
			}
			for i := range bp {
				bp[i] = bf16Pair(0.125, 1)
			}
			b.SetBytes(0)
			for b.Loop() {
				amxKernelBF16(amxTileConfig, kp/amxPairs, &ap[0], &bp[0], &c[0], 4*amxNR, false)
			}
			flops := 2 * float64(amxMR*amxNR) * 2 * float64(kp)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
