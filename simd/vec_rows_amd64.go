//go:build amd64 && !purego

package simd

// AVX-512 row kernels (vec_rows_amd64.s); rows >= 1 and n >= 1, checked
// by the callers; lda is in floats.

//go:noescape
func dotRowsZ(dst, x, a *float32, rows, n, lda int, scale float32)

//go:noescape
func axpyRowsZ(y, w, a *float32, rows, n, lda int)

//go:noescape
func addOuterRowsZ(a *float32, lda int, w, x *float32, rows, n int)

var (
	dotRowsAVX512 = func(dst, x, a []float32, lda int, scale float32) {
		dotRowsZ(&dst[0], &x[0], &a[0], len(dst), len(x), lda, scale)
	}
	axpyRowsAVX512 = func(y, w, a []float32, lda int) {
		axpyRowsZ(&y[0], &w[0], &a[0], len(w), len(y), lda)
	}
	addOuterRowsAVX512 = func(a []float32, lda int, w, x []float32) {
		addOuterRowsZ(&a[0], lda, &w[0], &x[0], len(w), len(x))
	}
)
