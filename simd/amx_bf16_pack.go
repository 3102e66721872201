package simd

// AMX tile layout. TDPBF16PS multiplies a 16×32 bf16 A tile (each row: 16
// pair words along k) by a 16-pair-row B tile (each row: 16 columns' pair
// words) into 16×16 fp32. The AMX kernel computes a 32×32 C tile from two A
// and two B tiles per step of 16 pairs, so A panels are packed as
// [step][row half][row][pair] and B keeps the usual [pair][column] layout
// with nr = 32 (one B tile is 16 pair rows × 16 columns at stride 128 bytes).

const amxMR, amxNR, amxPairs = 32, 32, 16

// amxAIndex is the word offset, within a 32-row A panel, of row r, pair p.
func amxAIndex(r, p int) int {
	return (p/amxPairs)*amxMR*amxPairs + (r/16)*16*amxPairs + (r%16)*amxPairs + p%amxPairs
}

// packAAMX packs like packABF16 (same arguments, mr = 32) in the AMX layout.
func packAAMX(dst []uint32, transA bool, a []float32, lda, i0, rows, p0, kc, kp, mr int) {
	at := func(i, p int) float32 {
		if p >= kc {
			return 0
		}
		if transA {
			return a[(p0+p)*lda+i]
		}
		return a[i*lda+p0+p]
	}
	for q := 0; q*mr < rows; q++ {
		h := min(mr, rows-q*mr)
		panel := dst[q*mr*kp : (q+1)*mr*kp]
		clear(panel)
		for r := 0; r < h; r++ {
			i := i0 + q*mr + r
			for p := 0; 2*p < kc; p++ {
				panel[amxAIndex(r, p)] = bf16Pair(at(i, 2*p), at(i, 2*p+1))
			}
		}
	}
}

// amxTileGo computes what the AMX kernel computes, from the same packed
// panels, in Go: the test reference for the AMX packing and tile contract.
func amxTileGo(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
	for r := 0; r < amxMR; r++ {
		for j := 0; j < amxNR; j++ {
			var acc float32
			for p := 0; p < kp; p++ {
				aw, bw := a[amxAIndex(r, p)], b[p*amxNR+j]
				acc += bf16Lo(aw)*bf16Lo(bw) + bf16Hi(aw)*bf16Hi(bw)
			}
			if beta == 0 {
				c[r*ldc+j] = alpha * acc
			} else {
				c[r*ldc+j] = alpha*acc + beta*c[r*ldc+j]
			}
		}
	}
}
