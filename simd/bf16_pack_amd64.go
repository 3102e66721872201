//go:build amd64 && !purego

package simd

// Packing kernels generated into bf16_amd64.s; they need AVX512_BF16
// (VCVTNE2PS2BF16), so they run only where HasBF16Dot holds.

//go:noescape
func bf16PackPairRows(dst *uint32, src *float32, ld, steps, panels, width, pstride, dstride int)

//go:noescape
func bf16PackPairCols4(dst *uint32, src *float32, ld, groups, chunks, dstride int)

//go:noescape
func bf16PackPairCols(dst *uint32, src *float32, ld, rows, chunks, dstride, loMask, hiMask, outMask int)

// bf16PackAsm is false when the CPU lacks AVX512_BF16; tests also turn it
// off to check the Go packers against the same references.
var bf16PackAsm = HasBF16Dot()

// pairRowsAsm is pairRows in assembly; it reports false when it did nothing.
func pairRowsAsm(dst []uint32, src []float32, ld, steps, panels, width, pstride, dstride int) bool {
	if !bf16PackAsm {
		return false
	}
	_ = dst[(panels-1)*pstride+(steps-1)*dstride+width-1] // bounds: the kernel trusts these extents
	_ = src[(2*steps-1)*ld+panels*width-1]
	bf16PackPairRows(&dst[0], &src[0], ld, steps, panels, width, pstride, dstride)
	return true
}

// pairColsAsm is pairCols in assembly; it reports false when it did nothing.
// Whole groups of 4 rows and whole 32-float chunks go through the transposing
// kernel; the rows left over and the depth tail through the scattering one.
func pairColsAsm(dst []uint32, src []float32, ld, rows, kc, dstride int) bool {
	if !bf16PackAsm {
		return false
	}
	_ = dst[((kc+1)/2-1)*dstride+rows-1] // bounds: the kernels trust these extents
	_ = src[(rows-1)*ld+kc-1]
	chunks, rem := kc/32, kc%32 // rem: floats of the last, partial chunk
	lo, hi, out := 1<<min(rem, 16)-1, 1<<max(rem-16, 0)-1, 1<<((rem+1)/2)-1
	r4 := rows &^ 3
	if r4 > 0 && chunks > 0 {
		bf16PackPairCols4(&dst[0], &src[0], ld, r4/4, chunks, dstride)
		if rem > 0 {
			bf16PackPairCols(&dst[chunks*16*dstride], &src[chunks*32], ld, r4, 0, dstride, lo, hi, out)
		}
	} else {
		r4 = 0
	}
	if r4 < rows {
		bf16PackPairCols(&dst[r4], &src[r4*ld], ld, rows-r4, chunks, dstride, lo, hi, out)
	}
	return true
}
