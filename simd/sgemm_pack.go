package simd

// Packing copies a block of op(A) or op(B) into the panel layout the
// micro-kernels stream: transposes are resolved here, so one kernel serves all
// four cases, and ragged edges are zero-padded to whole panels.

// packA writes rows [i0, i0+rows) × columns [p0, p0+kc) of op(A) as panels of
// mr rows: panel q holds kc steps of mr consecutive values.
func packA(dst []float32, transA bool, a []float32, lda, i0, rows, p0, kc, mr int) {
	q0 := 0 // panels before q0 are done
	if transA {
		// Whole panels source row by source row: op(A)'s columns are rows of a.
		if full := rows / mr; copyPanelsAsm(dst, a[p0*lda+i0:], lda, kc, full, mr) {
			q0 = full
		}
	}
	for q := q0; q*mr < rows; q++ {
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
		packStrided(panel, a[base*lda+p0:], lda, h, kc, mr)
	}
}

// packB writes rows [p0, p0+kc) × columns [j0, j0+cols) of op(B) as panels of
// nr columns: panel q holds kc steps of nr consecutive values.
func packB(dst []float32, transB bool, b []float32, ldb, p0, kc, j0, cols, nr int) {
	panels := (cols + nr - 1) / nr
	if w := cols - (panels-1)*nr; w < nr {
		clear(dst[(panels-1)*nr*kc : panels*nr*kc])
	}
	if transB { // op(B)[p][j] = b[j*ldb+p]
		for q := 0; q < panels; q++ {
			w := min(nr, cols-q*nr)
			packStrided(dst[q*nr*kc:(q+1)*nr*kc], b[(j0+q*nr)*ldb+p0:], ldb, w, kc, nr)
		}
		return
	}
	// Source row by source row: reads stream through B sequentially, which
	// beats walking each panel down kc rows a page or more apart.
	full := cols / nr
	if !copyPanelsAsm(dst, b[p0*ldb+j0:], ldb, kc, full, nr) {
		for p := 0; p < kc; p++ {
			row := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+full*nr]
			for q := 0; q < full; q++ {
				copy(dst[q*nr*kc+p*nr:q*nr*kc+p*nr+nr], row[q*nr:q*nr+nr])
			}
		}
	}
	if full < panels { // the ragged last panel
		for p := 0; p < kc; p++ {
			copy(dst[full*nr*kc+p*nr:], b[(p0+p)*ldb+j0+full*nr:(p0+p)*ldb+j0+cols])
		}
	}
}

// packStrided writes panel[p*stride+r] = src[r*ld+p] for r < rows, p < kc:
// rows of the source become the interleaved lanes of a panel. The assembly
// transpose does whole groups of 4 rows × 16 steps; the Go loop does the rest.
func packStrided(panel, src []float32, ld, rows, kc, stride int) {
	r4, k4 := rows&^3, kc&^15
	if !packTransposedAsm(panel, src, ld, r4, k4, stride) {
		r4, k4 = 0, 0
	}
	for r := 0; r < rows; r++ {
		p0 := k4
		if r >= r4 {
			p0 = 0
		}
		row := src[r*ld : r*ld+kc]
		for p := p0; p < kc; p++ {
			panel[p*stride+r] = row[p]
		}
	}
}
