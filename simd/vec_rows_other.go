//go:build !amd64 || purego

package simd

// No assembly in this build: the row kernels call Dot and Axpy row by row.
var (
	dotRowsAVX512      func(dst, x, a []float32, lda int, scale float32)
	axpyRowsAVX512     func(y, w, a []float32, lda int)
	addOuterRowsAVX512 func(a []float32, lda int, w, x []float32)
)
