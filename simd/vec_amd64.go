//go:build amd64 && !purego

package simd

// AVX-512 vector kernels (vec_amd64.s). n >= 1 elements; the tail shorter
// than one 16-lane vector is handled with a lane mask, never read past n.

//go:noescape
func dotZ(x, y *float32, n int) float32

//go:noescape
func axpyZ(alpha float32, x, y *float32, n int)

//go:noescape
func scaleZ(alpha float32, x *float32, n int)

//go:noescape
func addZ(dst, x, y *float32, n int)

//go:noescape
func mulZ(dst, x, y *float32, n int)

//go:noescape
func sumZ(x *float32, n int) float32

//go:noescape
func maxZ(x *float32, n int) float32

var vecAVX512 = &vecKernels{
	dot:   func(x, y []float32) float32 { return dotZ(&x[0], &y[0], len(x)) },
	axpy:  func(alpha float32, x, y []float32) { axpyZ(alpha, &x[0], &y[0], len(x)) },
	scale: func(alpha float32, x []float32) { scaleZ(alpha, &x[0], len(x)) },
	add:   func(dst, x, y []float32) { addZ(&dst[0], &x[0], &y[0], len(dst)) },
	mul:   func(dst, x, y []float32) { mulZ(&dst[0], &x[0], &y[0], len(dst)) },
	sum:   func(x []float32) float32 { return sumZ(&x[0], len(x)) },
	max:   func(x []float32) float32 { return maxZ(&x[0], len(x)) },
}
