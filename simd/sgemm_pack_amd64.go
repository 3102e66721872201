//go:build amd64 && !purego

package simd

//go:noescape
func transposePack16(dst, src *float32, ld, rows, kc, stride int)

// packTransposedAsm writes dst[p*stride+r] = src[r*ld+p] for r < rows and
// p < kc (rows a multiple of 4, kc of 16) with the SSE transpose kernel. It
// reports false when no kernel exists in this build.
func packTransposedAsm(dst, src []float32, ld, rows, kc, stride int) bool {
	if rows == 0 || kc == 0 {
		return true
	}
	_ = dst[(kc-1)*stride+rows-1] // bounds: the kernel trusts these extents
	_ = src[(rows-1)*ld+kc-1]
	transposePack16(&dst[0], &src[0], ld, rows, kc, stride)
	return true
}

//go:noescape
func copyPanels(dst, src *float32, kc, panels, nr, ld, pstride int)

// copyPanelsAsm writes dst[q*nr*kc+p*nr+i] = src[p*ld+q*nr+i] for p < kc,
// q < panels, i < nr (nr a multiple of 4) with the SSE kernel. It reports
// false when no kernel exists in this build or nr does not suit it.
func copyPanelsAsm(dst, src []float32, ld, kc, panels, nr int) bool {
	if nr%4 != 0 {
		return false
	}
	if kc == 0 || panels == 0 {
		return true
	}
	_ = dst[panels*nr*kc-1] // bounds: the kernel trusts these extents
	_ = src[(kc-1)*ld+panels*nr-1]
	copyPanels(&dst[0], &src[0], kc, panels, nr, ld, nr*kc)
	return true
}
