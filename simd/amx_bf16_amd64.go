//go:build amd64 && !purego

package simd

import "sync"

// amxKernelBF16 (amx_bf16_amd64.s) computes on the 32×32 block of C at c
// (row stride ldcBytes) itself: C = Ap·Bp, or C += Ap·Bp with accumulate.
//
//go:noescape
func amxKernelBF16(cfg *[64]byte, steps int, a, b *uint32, c *float32, ldcBytes int, accumulate bool)

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

// bf16KernelAMX is TDPBF16PS tiles behind the same driver. The common
// cases, alpha 1 with beta 0 or 1 (every GEMM of training), load and store C
// straight from the tiles; any other alpha/beta goes through a temporary
// tile, scaled in Go.
var bf16KernelAMX = &bf16Kernel{
	name: "amx-bf16-32x32", mr: amxMR, nr: amxNR, kc: 1024, nb: 256, mc: 512, nc: 1024,
	kstep: amxPairs, packA: packAAMX,
	tile: func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		if alpha == 1 && (beta == 0 || beta == 1) {
			_ = c[(amxMR-1)*ldc+amxNR-1] // the whole block lies in c
			amxKernelBF16(amxTileConfig, kp/amxPairs, &a[0], &b[0], &c[0], 4*ldc, beta == 1)
			return
		}
		tmp := amxTilePool.Get().(*[amxMR * amxNR]float32)
		defer amxTilePool.Put(tmp)
		amxKernelBF16(amxTileConfig, kp/amxPairs, &a[0], &b[0], &tmp[0], 4*amxNR, false)
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
