//go:build amd64 && !purego

package simd

// AVX-512 batch-norm and ReLU kernels (vec_affine_amd64.s). n >= 1; the
// tail shorter than one 16-lane vector uses a lane mask, never touching
// memory past n. add is 0 (overwrite) or 1 (accumulate).

//go:noescape
func momentsZ(x *float32, n int) (sum, m2 float32)

//go:noescape
func affineZ(dst, x *float32, n int, a, m, b float32)

//go:noescape
func sumDotDevZ(y, x *float32, n int, m float32) (sumY, dotDev float32)

//go:noescape
func affinePairZ(dst, y, x *float32, n int, a, b, m, c float32, add int)

//go:noescape
func reluZ(dst, x *float32, n int)

//go:noescape
func reluGradZ(gx, gy, y *float32, n int, add int)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var affineAVX512 = &affineKernels{
	moments: func(x []float32) (float32, float32) { return momentsZ(&x[0], len(x)) },
	affine:  func(dst, x []float32, a, m, b float32) { affineZ(&dst[0], &x[0], len(dst), a, m, b) },
	sumDotDev: func(y, x []float32, m float32) (float32, float32) {
		return sumDotDevZ(&y[0], &x[0], len(y), m)
	},
	affinePair: func(dst, y, x []float32, a, b, m, c float32, add bool) {
		affinePairZ(&dst[0], &y[0], &x[0], len(dst), a, b, m, c, b2i(add))
	},
	relu:     func(dst, x []float32) { reluZ(&dst[0], &x[0], len(dst)) },
	reluGrad: func(gx, gy, y []float32, add bool) { reluGradZ(&gx[0], &gy[0], &y[0], len(gx), b2i(add)) },
}
