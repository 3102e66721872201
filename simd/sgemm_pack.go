package simd

// Packing copies a block of op(A) or op(B) into the panel layout the
// micro-kernels stream: transposes are resolved here, so one kernel serves all
// four cases, and ragged edges are zero-padded to whole panels.

// packA writes rows [i0, i0+rows) × columns [p0, p0+kc) of op(A) as panels of
// mr rows: panel q holds kc steps of mr consecutive values.
func packA(dst []float32, transA bool, a []float32, lda, i0, rows, p0, kc, mr int) {
	for q := 0; q*mr < rows; q++ {
		h := min(mr, rows-q*mr)
		panel := dst[q*mr*kc : (q+1)*mr*kc]
		if h < mr {
			clear(panel)
		}
		base := i0 + q*mr
		if transA { // op(A)[i][p] = a[p*lda+i]: rows of a are contiguous in i
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+base : (p0+p)*lda+base+h]
				copy(panel[p*mr:p*mr+h], src)
			}
			continue
		}
		for r := 0; r < h; r++ {
			src := a[(base+r)*lda+p0 : (base+r)*lda+p0+kc]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
	}
}

// packB writes rows [p0, p0+kc) × columns [j0, j0+cols) of op(B) as panels of
// nr columns: panel q holds kc steps of nr consecutive values.
func packB(dst []float32, transB bool, b []float32, ldb, p0, kc, j0, cols, nr int) {
	for q := 0; q*nr < cols; q++ {
		w := min(nr, cols-q*nr)
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		if w < nr {
			clear(panel)
		}
		base := j0 + q*nr
		if !transB {
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+base : (p0+p)*ldb+base+w]
				copy(panel[p*nr:p*nr+w], src)
			}
			continue
		}
		for c := 0; c < w; c++ { // op(B)[p][j] = b[j*ldb+p]
			src := b[(base+c)*ldb+p0 : (base+c)*ldb+p0+kc]
			for p, v := range src {
				panel[p*nr+c] = v
			}
		}
	}
}
