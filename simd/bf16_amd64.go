//go:build amd64 && !purego

package simd

//go:generate go run bf16_asmgen.go

// bf16KernelZ12x32 is generated into bf16_amd64.s. kp >= 0; a and b point at
// packed pair panels of kp·12 and kp·32 words; c at a 12×32 tile.
//
//go:noescape
func bf16KernelZ12x32(kp int, a, b *uint32, c *float32, ldc int, alpha, beta float32, readC int)

// bf16KernelAVX512 uses VDPBF16PS (AVX512_BF16): each instruction does 16
// two-term bf16 dot products, twice the work of an fp32 FMA.
var bf16KernelAVX512 = &bf16Kernel{
	name: "avx512-bf16-12x32", mr: 12, nr: 32, kc: 384, nb: 256, mc: 1536, nc: 2048,
	tile: func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		readC := 0
		if beta != 0 {
			readC = 1
		}
		bf16KernelZ12x32(kp, &a[0], &b[0], &c[0], ldc, alpha, beta, readC)
	},
}
