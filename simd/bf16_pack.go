package simd

import "math"

// Packing for the bf16 kernels. VDPBF16PS and TDPBF16PS multiply pairs of
// bf16 values that are adjacent along k, so both operands are packed as
// uint32 words holding bf16(k even) in the low half and bf16(k odd) in the
// high half. An odd depth is padded with a zero partner.
//
// Rounding is to nearest even, with float32 denormals flushed to (signed)
// zero as VCVTNE2PS2BF16 does: the bf16 dot-product instructions treat
// denormal inputs as zero anyway, so flushing here changes no product.

// toBF16BitsDAZ is toBF16Bits with denormal inputs flushed to zero.
func toBF16BitsDAZ(x float32) uint16 {
	u := math.Float32bits(x)
	if u&0x7f800000 == 0 {
		return uint16(u>>16) & 0x8000
	}
	return toBF16Bits(x)
}

func bf16Pair(lo, hi float32) uint32 {
	return uint32(toBF16BitsDAZ(lo)) | uint32(toBF16BitsDAZ(hi))<<16
}

// packABF16 writes rows [i0, i0+rows) × depth [p0, p0+kc) of op(A) as panels
// of mr rows: panel q holds kp >= ceil(kc/2) steps of mr pair words (steps
// past the depth and rows past the end are zero).
func packABF16(dst []uint32, transA bool, a []float32, lda, i0, rows, p0, kc, kp, mr int) {
	zeroPadding(dst, rows, kc, kp, mr)
	if transA { // op(A)[i][p] = a[p*lda+i]: rows of a are contiguous in i
		pairRowsBlock(dst, a[p0*lda+i0:], lda, kc, kp, rows, mr)
		return
	}
	for q := 0; q*mr < rows; q++ {
		pairCols(dst[q*mr*kp:], a[(i0+q*mr)*lda+p0:], lda, min(mr, rows-q*mr), kc, mr)
	}
}

// packBBF16 writes depth [p0, p0+kc) × columns [j0, j0+cols) of op(B) as
// panels of nr columns: panel q holds kp >= ceil(kc/2) steps of nr pair
// words (steps past the depth and columns past the end are zero).
func packBBF16(dst []uint32, transB bool, b []float32, ldb, p0, kc, kp, j0, cols, nr int) {
	zeroPadding(dst, cols, kc, kp, nr)
	if !transB {
		pairRowsBlock(dst, b[p0*ldb+j0:], ldb, kc, kp, cols, nr)
		return
	}
	for q := 0; q*nr < cols; q++ { // op(B)[p][j] = b[j*ldb+p]
		pairCols(dst[q*nr*kp:], b[(j0+q*nr)*ldb+p0:], ldb, min(nr, cols-q*nr), kc, nr)
	}
}

// zeroPadding clears the words of width-w panels that packing will not
// write: the whole ragged last panel and the steps past ceil(kc/2).
func zeroPadding(dst []uint32, lanes, kc, kp, w int) {
	panels := (lanes + w - 1) / w
	if lanes%w != 0 {
		clear(dst[(panels-1)*w*kp : panels*w*kp])
	}
	if used := (kc + 1) / 2; used < kp {
		for q := 0; q < panels; q++ {
			clear(dst[q*w*kp+used*w : (q+1)*w*kp])
		}
	}
}

// pairRowsBlock packs a kc-deep block whose lanes are contiguous in each
// source row (row p of src is depth p): whole panels of w lanes, then the
// ragged one, then the lone last row of an odd depth.
func pairRowsBlock(dst []uint32, src []float32, ld, kc, kp, lanes, w int) {
	steps, full, rem := kc/2, lanes/w, lanes%w
	// A few panels at a time down the whole depth: reads stay sequential
	// runs of ~1 KB and only a few panels are written at once.
	group := max(1, 256/w)
	for q := 0; q < full; q += group {
		pairRows(dst[q*w*kp:], src[q*w:], ld, steps, min(group, full-q), w, w*kp, w)
	}
	if rem > 0 {
		pairRows(dst[full*w*kp:], src[full*w:], ld, steps, 1, rem, w*kp, w)
	}
	if kc%2 == 1 {
		for c, v := range src[(kc-1)*ld : (kc-1)*ld+lanes] {
			dst[(c/w)*w*kp+steps*w+c%w] = bf16Pair(v, 0)
		}
	}
}

// pairRows writes, for p < steps, q < panels, c < width,
// dst[q*pstride+p*dstride+c] = pair(src[2p*ld+q*width+c], src[(2p+1)*ld+q*width+c]).
func pairRows(dst []uint32, src []float32, ld, steps, panels, width, pstride, dstride int) {
	if steps == 0 || panels == 0 || width == 0 {
		return
	}
	if pairRowsAsm(dst, src, ld, steps, panels, width, pstride, dstride) {
		return
	}
	for p := 0; p < steps; p++ {
		lo, hi := src[2*p*ld:2*p*ld+panels*width], src[(2*p+1)*ld:(2*p+1)*ld+panels*width]
		for q := 0; q < panels; q++ {
			out := dst[q*pstride+p*dstride : q*pstride+p*dstride+width]
			l, h := lo[q*width:(q+1)*width], hi[q*width:(q+1)*width]
			for c := range out {
				out[c] = bf16Pair(l[c], h[c])
			}
		}
	}
}

// pairCols writes, for r < rows and j < ceil(kc/2),
// dst[j*dstride+r] = pair(src[r*ld+2j], src[r*ld+2j+1]), with a zero
// partner for an odd kc.
func pairCols(dst []uint32, src []float32, ld, rows, kc, dstride int) {
	if rows == 0 || kc == 0 {
		return
	}
	if pairColsAsm(dst, src, ld, rows, kc, dstride) {
		return
	}
	for r := 0; r < rows; r++ {
		row := src[r*ld : r*ld+kc]
		j := 0
		for ; 2*j+1 < kc; j++ {
			dst[j*dstride+r] = bf16Pair(row[2*j], row[2*j+1])
		}
		if 2*j < kc {
			dst[j*dstride+r] = bf16Pair(row[2*j], 0)
		}
	}
}
