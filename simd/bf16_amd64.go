//go:build amd64 && !purego

package simd

import "unsafe"

//go:generate go run bf16_asmgen.go

// bf16KernelAVX512 uses VDPBF16PS (AVX512_BF16): each instruction does 16
// two-term bf16 dot products, twice the work of an fp32 FMA. The kernels are
// generated (bf16_kernels_amd64.go, bf16_amd64.s).
var bf16KernelAVX512 = &bf16Kernel{
	name: "avx512-bf16-12x32", mr: 12, nr: 32, kc: 512, nb: 256, mc: 3072, nc: 2048,
	tile: func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		bf16KernelZ12x32(kp, &a[0], &b[0], &c[0], ldc, alpha, beta, readCFlag(beta), noPrefetch(a), 0)
	},
	tilePF: func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32, pf *float32, pfStride int) {
		bf16KernelZ12x32(kp, &a[0], &b[0], &c[0], ldc, alpha, beta, readCFlag(beta), pf, pfStride)
	},
	tileRows: func(rows, kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		_ = c[(rows-1)*ldc+31] // bounds: the kernel writes rows×32 cells
		bf16KernelsZx32[rows](kp, &a[0], &b[0], &c[0], ldc, alpha, beta, readCFlag(beta), noPrefetch(a), 0)
	},
}

// readCFlag tells a kernel whether to read C: beta == 0 must not (C may be
// uninitialised, even NaN).
func readCFlag(beta float32) int {
	if beta != 0 {
		return 1
	}
	return 0
}

// noPrefetch points a kernel's prefetch stream (with stride 0) at its own,
// L1-resident A panel, so it costs nothing.
func noPrefetch(a []uint32) *float32 {
	return (*float32)(unsafe.Pointer(&a[0]))
}
