//go:build amd64 && !purego

package simd

// Assembly micro-kernels (sgemm_amd64.s). kc >= 0; a and b point at packed
// panels of kc·MR and kc·NR floats; c at an MR×NR tile with row stride ldc.

//go:noescape
func sgemmKernelZ12x32(kc int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernelZ4x32(kc int, a, b, c *float32, ldc, astride int, alpha, beta float32)

//go:noescape
func sgemmKernelY6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemmKernelAVX512 holds a 12×32 tile in 24 ZMM accumulators: per k step two
// B vector loads and twelve A broadcasts feed 24 FMAs.
var sgemmKernelAVX512 = &gemmKernel{
	name: "avx512-12x32", mr: 12, nr: 32, kc: 256, nb: 512, mc: 1536,
	tile: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
		sgemmKernelZ12x32(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
	slimRows: 4,
	slim: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
		sgemmKernelZ4x32(kc, &a[0], &b[0], &c[0], ldc, 12, alpha, beta)
	},
	directT: directZ12x32T,
	directN: directZ12x32N,
}

// sgemmKernelAVX2 holds a 6×16 tile in 12 YMM accumulators.
var sgemmKernelAVX2 = &gemmKernel{
	name: "avx2-6x16", mr: 6, nr: 16, kc: 256, nb: 256, mc: 1536,
	tile: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
		sgemmKernelY6x16(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
}
