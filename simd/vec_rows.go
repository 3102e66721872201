package simd

import "fmt"

// Kernels over the rows of a strided matrix against one vector, for
// attention over short sequences: each (item, head) has a few dozen keys
// of 32-64 floats, so one Dot or Axpy call per key spends more time in the
// call than in the arithmetic. These take all of an item's keys in one
// call. The Go versions call Dot and Axpy row by row (the reference, and
// the AVX2 path); AVX-512 assembly is in vec_rows_amd64.s.

var (
	dotRowsImpl      = dotRowsGo
	axpyRowsImpl     = axpyRowsGo
	addOuterRowsImpl = addOuterRowsGo
)

func init() {
	onLevel(func(l Level) {
		dotRowsImpl, axpyRowsImpl, addOuterRowsImpl = dotRowsGo, axpyRowsGo, addOuterRowsGo
		impl := "go"
		if l >= AVX512 && dotRowsAVX512 != nil {
			dotRowsImpl, axpyRowsImpl, addOuterRowsImpl = dotRowsAVX512, axpyRowsAVX512, addOuterRowsAVX512
			impl = "avx512"
		}
		for _, op := range []string{"dotrows", "axpyrows", "addouterrows"} {
			setKernel(op, impl)
		}
	})
}

// checkRows panics unless a holds rows rows of n floats lda apart.
func checkRows(op string, a []float32, rows, n, lda int) {
	if rows > 0 && (lda < n || len(a) < (rows-1)*lda+n) {
		panic(fmt.Sprintf("simd.%s: %d rows of %d floats, %d apart, do not fit in %d", op, rows, n, lda, len(a)))
	}
}

// DotRows sets dst[j] = scale·(x · a[j·lda : j·lda+len(x)]) for every j < len(dst).
func DotRows(dst, x, a []float32, lda int, scale float32) {
	checkRows("DotRows", a, len(dst), len(x), lda)
	if len(dst) == 0 {
		return
	}
	if len(x) == 0 {
		clear(dst)
		return
	}
	dotRowsImpl(dst, x, a, lda, scale)
}

// AxpyRows adds Σ_j w[j]·a[j·lda : j·lda+len(y)] into y.
func AxpyRows(y, w, a []float32, lda int) {
	checkRows("AxpyRows", a, len(w), len(y), lda)
	if len(w) > 0 && len(y) > 0 {
		axpyRowsImpl(y, w, a, lda)
	}
}

// AddOuterRows adds w[j]·x into a[j·lda : j·lda+len(x)] for every j < len(w).
func AddOuterRows(a []float32, lda int, w, x []float32) {
	checkRows("AddOuterRows", a, len(w), len(x), lda)
	if len(w) > 0 && len(x) > 0 {
		addOuterRowsImpl(a, lda, w, x)
	}
}

func dotRowsGo(dst, x, a []float32, lda int, scale float32) {
	n := len(x)
	for j := range dst {
		dst[j] = scale * Dot(x, a[j*lda:j*lda+n])
	}
}

func axpyRowsGo(y, w, a []float32, lda int) {
	n := len(y)
	for j, wj := range w {
		Axpy(wj, a[j*lda:j*lda+n], y)
	}
}

func addOuterRowsGo(a []float32, lda int, w, x []float32) {
	n := len(x)
	for j, wj := range w {
		Axpy(wj, x, a[j*lda:j*lda+n])
	}
}
