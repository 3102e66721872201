//go:build amd64 && !purego

package simd

// AVX-512 row kernels (rows_amd64.s); n >= 1.

//go:noescape
func expSumZ(dst, x *float32, n int, shift float32) float32

//go:noescape
func geluZ(dst, x *float32, n int)

//go:noescape
func geluGradZ(dx, dy, x *float32, n int)

//go:noescape
func geluTanhZ(dst, x *float32, n int)

//go:noescape
func geluTanhGradZ(dx, dy, x *float32, n int)

//go:noescape
func quickGeluZ(dst, x *float32, n int)

//go:noescape
func quickGeluGradZ(dx, dy, x *float32, n int)

var rowsAVX512 = &rowKernels{
	name: "avx512",
	expShiftSum: func(dst, x []float32, shift float32) float32 {
		return expSumZ(&dst[0], &x[0], len(x), shift)
	},
	gelu:          func(dst, x []float32) { geluZ(&dst[0], &x[0], len(x)) },
	geluTanh:      func(dst, x []float32) { geluTanhZ(&dst[0], &x[0], len(x)) },
	geluGrad:      func(dx, dy, x []float32) { geluGradZ(&dx[0], &dy[0], &x[0], len(x)) },
	geluTanhGrad:  func(dx, dy, x []float32) { geluTanhGradZ(&dx[0], &dy[0], &x[0], len(x)) },
	quickGELU:     func(dst, x []float32) { quickGeluZ(&dst[0], &x[0], len(x)) },
	quickGELUGrad: func(dx, dy, x []float32) { quickGeluGradZ(&dx[0], &dy[0], &x[0], len(x)) },

	layerNorm:         layerNormAVX512,
	layerNormBackward: layerNormBackwardAVX512,
}
