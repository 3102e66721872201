package simd

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32, row-major.
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB),
// C is m×n; lda, ldb and ldc are the row strides. beta == 0 overwrites C
// without reading it (so NaNs in C do not leak through).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

var sgemmImpl gemmFunc = sgemmRef

func init() {
	onLevel(func(l Level) {
		sgemmImpl = sgemmRef
		setKernel("sgemm", "generic-naive")
	})
}

// sgemmRef is the naive triple loop: the reference every path is tested against.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
