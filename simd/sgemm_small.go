package simd

// sgemmSmall serves small products without packing or threads: C rows are
// scaled by beta, then updated row by row (axpy over B's rows, or dot
// products against B's rows when B is transposed).
func sgemmSmall(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if transB {
			for j := range crow {
				brow := b[j*ldb : j*ldb+k]
				var s float32
				for p, bv := range brow {
					s += aAt(transA, a, lda, i, p) * bv
				}
				if beta == 0 {
					crow[j] = alpha * s
				} else {
					crow[j] = alpha*s + beta*crow[j]
				}
			}
			continue
		}
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			for j := range crow {
				crow[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			av := alpha * aAt(transA, a, lda, i, p)
			brow := b[p*ldb : p*ldb+n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

func aAt(transA bool, a []float32, lda, i, p int) float32 {
	if transA {
		return a[p*lda+i]
	}
	return a[i*lda+p]
}
