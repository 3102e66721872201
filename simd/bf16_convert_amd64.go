//go:build amd64 && !purego

package simd

// AVX-512 conversions (bf16_convert_amd64.s); n >= 1, tails under a lane
// mask.

//go:noescape
func toBF16StickyZ(dst *uint16, src *float32, n int)

//go:noescape
func fromBF16Z(dst *float32, src *uint16, n int)

var (
	toBF16StickyAVX512 = func(dst []uint16, src []float32) { toBF16StickyZ(&dst[0], &src[0], len(src)) }
	fromBF16AVX512     = func(dst []float32, src []uint16) { fromBF16Z(&dst[0], &src[0], len(src)) }
)
