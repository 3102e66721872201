//go:build amd64 && !purego

package simd

//go:generate sh -c "python3 sgemm_direct_asmgen.py > sgemm_direct_amd64.s"

// Direct micro-kernels (sgemm_direct_amd64.s, written by sgemm_direct_asmgen.py): A, and B when bstep is not 32,
// are read where they lie in the caller's matrices.

//go:noescape
func sgemmKernelZ12x32T(kc int, a, b, c *float32, ldc, lda, bstep int, alpha, beta float32)

//go:noescape
func sgemmKernelZ12x32N(kc int, a, b, c *float32, ldc, lda, bstep int, alpha, beta float32)

// directZ12x32T computes a 12×32 tile whose A values of step p are
// a[p·astep .. p·astep+11]: op(A) = aᵀ in place (astep = lda) or a packed
// panel (astep = 12).
func directZ12x32T(kc int, a []float32, astep int, b []float32, bstep int, c []float32, ldc int, alpha, beta float32) {
	_ = a[(kc-1)*astep+11] // bounds: the kernel trusts these extents
	_ = b[(kc-1)*bstep+31]
	_ = c[11*ldc+31]
	sgemmKernelZ12x32T(kc, &a[0], &b[0], &c[0], ldc, astep, bstep, alpha, beta)
}

// directZ12x32N computes a 12×32 tile from row-major op(A) = a in place: row
// r of the tile is a[r·lda .. r·lda+kc-1].
func directZ12x32N(kc int, a []float32, lda int, b []float32, bstep int, c []float32, ldc int, alpha, beta float32) {
	_ = a[11*lda+kc-1]
	_ = b[(kc-1)*bstep+31]
	_ = c[11*ldc+31]
	sgemmKernelZ12x32N(kc, &a[0], &b[0], &c[0], ldc, lda, bstep, alpha, beta)
}
