package simd

// Packing for the bf16 kernels. VDPBF16PS and TDPBF16PS multiply pairs of
// bf16 values that are adjacent along k, so both operands are packed as
// uint32 words holding bf16(k even) in the low half and bf16(k odd) in the
// high half. An odd depth is padded with a zero partner.

func bf16Pair(lo, hi float32) uint32 {
	return uint32(toBF16Bits(lo)) | uint32(toBF16Bits(hi))<<16
}

// packABF16 writes rows [i0, i0+rows) × depth [p0, p0+kc) of op(A) as panels
// of mr rows: panel q holds kp >= ceil(kc/2) steps of mr pair words (steps
// past the depth are zero).
func packABF16(dst []uint32, transA bool, a []float32, lda, i0, rows, p0, kc, kp, mr int) {
	for q := 0; q*mr < rows; q++ {
		h := min(mr, rows-q*mr)
		panel := dst[q*mr*kp : (q+1)*mr*kp]
		if h < mr || 2*kp > kc+1 {
			clear(panel)
		}
		base := i0 + q*mr
		if transA { // op(A)[i][p] = a[p*lda+i]: rows of a are contiguous in i
			for p := 0; 2*p < kc; p++ {
				lo := a[(p0+2*p)*lda+base : (p0+2*p)*lda+base+h]
				out := panel[p*mr : p*mr+h]
				if 2*p+1 == kc {
					for r, v := range lo {
						out[r] = bf16Pair(v, 0)
					}
					continue
				}
				hi := a[(p0+2*p+1)*lda+base : (p0+2*p+1)*lda+base+h]
				for r, v := range lo {
					out[r] = bf16Pair(v, hi[r])
				}
			}
			continue
		}
		for r := 0; r < h; r++ {
			src := a[(base+r)*lda+p0 : (base+r)*lda+p0+kc]
			p := 0
			for ; 2*p+1 < kc; p++ {
				panel[p*mr+r] = bf16Pair(src[2*p], src[2*p+1])
			}
			if 2*p < kc {
				panel[p*mr+r] = bf16Pair(src[2*p], 0)
			}
		}
	}
}

// packBBF16 writes depth [p0, p0+kc) × columns [j0, j0+cols) of op(B) as
// panels of nr columns: panel q holds kp >= ceil(kc/2) steps of nr pair
// words (steps past the depth are zero).
func packBBF16(dst []uint32, transB bool, b []float32, ldb, p0, kc, kp, j0, cols, nr int) {
	for q := 0; q*nr < cols; q++ {
		w := min(nr, cols-q*nr)
		panel := dst[q*nr*kp : (q+1)*nr*kp]
		if w < nr || 2*kp > kc+1 {
			clear(panel)
		}
		base := j0 + q*nr
		if !transB {
			for p := 0; 2*p < kc; p++ {
				lo := b[(p0+2*p)*ldb+base : (p0+2*p)*ldb+base+w]
				out := panel[p*nr : p*nr+w]
				if 2*p+1 == kc {
					for c, v := range lo {
						out[c] = bf16Pair(v, 0)
					}
					continue
				}
				hi := b[(p0+2*p+1)*ldb+base : (p0+2*p+1)*ldb+base+w]
				for c, v := range lo {
					out[c] = bf16Pair(v, hi[c])
				}
			}
			continue
		}
		for c := 0; c < w; c++ { // op(B)[p][j] = b[j*ldb+p]
			src := b[(base+c)*ldb+p0 : (base+c)*ldb+p0+kc]
			p := 0
			for ; 2*p+1 < kc; p++ {
				panel[p*nr+c] = bf16Pair(src[2*p], src[2*p+1])
			}
			if 2*p < kc {
				panel[p*nr+c] = bf16Pair(src[2*p], 0)
			}
		}
	}
}
