package simd

import "math"

// Converting whole arrays between float32 and bf16, for activations kept
// as bf16 between a training step's forward and backward passes. Go loops
// are the reference; AVX-512 assembly is in bf16_convert_amd64.s.

var (
	toBF16StickyImpl = toBF16StickyGo
	fromBF16Impl     = fromBF16Go
)

func init() {
	onLevel(func(l Level) {
		toBF16StickyImpl, fromBF16Impl = toBF16StickyGo, fromBF16Go
		impl := "go"
		if l >= AVX512 && toBF16StickyAVX512 != nil {
			toBF16StickyImpl, fromBF16Impl = toBF16StickyAVX512, fromBF16AVX512
			impl = "avx512"
		}
		setKernel("to_bf16_sticky", impl)
		setKernel("from_bf16", impl)
	})
}

// ToBF16Sticky writes bf16(src[i]) to dst[i], rounding to nearest even as
// GemmBF16 rounds its operands, except that a non-zero denormal becomes
// the smallest bf16 denormal of its sign rather than perhaps zero: the
// bf16 GEMM kernels read both as zero, and the sign (a ReLU mask) survives.
// NaN stays NaN. dst must be at least as long as src.
func ToBF16Sticky(dst []uint16, src []float32) {
	if len(dst) < len(src) {
		panic("simd: ToBF16Sticky: dst shorter than src")
	}
	if len(src) > 0 {
		toBF16StickyImpl(dst[:len(src)], src)
	}
}

// FromBF16 widens bf16 values to float32 (exact). dst must be at least as
// long as src.
func FromBF16(dst []float32, src []uint16) {
	if len(dst) < len(src) {
		panic("simd: FromBF16: dst shorter than src")
	}
	if len(src) > 0 {
		fromBF16Impl(dst[:len(src)], src)
	}
}

func toBF16StickyGo(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		u := math.Float32bits(x)
		if u&0x7f800000 == 0 && u&0x007fffff != 0 {
			dst[i] = uint16(u>>16)&0x8000 | 1
			continue
		}
		dst[i] = toBF16Bits(x)
	}
}

func fromBF16Go(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = math.Float32frombits(uint32(v) << 16)
	}
}
