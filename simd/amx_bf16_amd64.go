//go:build amd64 && !purego

package simd

import "sync"

// amxKernelBF16 (amx_bf16_amd64.s) overwrites the 32×32 tile c with
// Ap·Bp over steps·16 pair steps. Only called when Level AMX is active.
//
//go:noescape
func amxKernelBF16(cfg *[64]byte, steps int, a, b *uint32, c *float32)

// amxTileConfig is the LDTILECFG block: palette 1, eight tiles of 16 rows ×
// 64 bytes (colsb as uint16 at byte 16+2i, rows at byte 48+i).
var amxTileConfig = func() *[64]byte {
	var cfg [64]byte
	cfg[0] = 1
	for i := 0; i < 8; i++ {
		cfg[16+2*i] = 64
		cfg[48+i] = 16
	}
	return &cfg
}()

var amxTilePool = sync.Pool{New: func() any { return new([amxMR * amxNR]float32) }}

// bf16KernelAMX is UNTESTED on the development machine (no AMX): TDPBF16PS
// tiles behind the same driver; alpha/beta are applied in Go from a
// temporary tile since the tiles store only whole 16×16 blocks.
var bf16KernelAMX = &bf16Kernel{
	name: "amx-bf16-32x32", mr: amxMR, nr: amxNR, kc: 1024, nb: 256, mc: 512, nc: 1024,
	kstep: amxPairs, packA: packAAMX,
	tile: func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		tmp := amxTilePool.Get().(*[amxMR * amxNR]float32)
		defer amxTilePool.Put(tmp)
		amxKernelBF16(amxTileConfig, kp/amxPairs, &a[0], &b[0], &tmp[0])
		for i := 0; i < amxMR; i++ {
			dst := c[i*ldc : i*ldc+amxNR]
			for j, v := range tmp[i*amxNR : (i+1)*amxNR] {
				if beta == 0 {
					dst[j] = alpha * v
				} else {
					dst[j] = alpha*v + beta*dst[j]
				}
			}
		}
	},
}
