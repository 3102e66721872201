//go:build !amd64 || purego

package simd

// No assembly in this build: the conversions run in Go.
var (
	toBF16StickyAVX512 func(dst []uint16, src []float32)
	fromBF16AVX512     func(dst []float32, src []uint16)
)
