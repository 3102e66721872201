package simd

import (
	"fmt"
	"log"
	"math"
	"sync"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// bf16 keeps float32's 8-bit exponent and the top 7 of its 23 fraction bits,
// so converting is dropping the low 16 bits after rounding.

// RoundBF16 rounds x to the nearest bfloat16 value (ties to even) and returns
// it as a float32. NaN stays NaN; values beyond the bf16 range become ±Inf.
func RoundBF16(x float32) float32 {
	return math.Float32frombits(uint32(toBF16Bits(x)) << 16)
}

// toBF16Bits is the round-to-nearest-even conversion to bf16 bits.
func toBF16Bits(x float32) uint16 {
	u := math.Float32bits(x)
	if u&0x7fffffff > 0x7f800000 { // NaN: keep sign, force a quiet mantissa bit
		return uint16(u>>16) | 0x0040
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// GemmBF16 computes C = alpha·op(A)·op(B) + beta·C like Sgemm, but with the
// entries of A and B rounded to bf16 (nearest even) before they are
// multiplied; products are summed in float32. Every path (AMX tiles,
// AVX512_BF16, fp32 fallback) rounds the same way, so results differ between
// paths only by float32 summation order, and by float32 denormal entries
// (|x| < 2^-126), which the bf16 hardware paths treat as zero.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemmArgs("GemmBF16", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	countGemm(true, m, n, k)
	switch {
	case m == 0 || n == 0:
	case k == 0 || alpha == 0:
		scaleC(m, n, beta, c, ldc)
	default:
		gemmBF16Impl(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

var gemmBF16Impl gemmFunc = gemmBF16Fallback

// GemmBF16Bias computes C = alpha·op(A)·op(B) + bias, bias (n values) added
// to every row, with GemmBF16's rounding: a linear layer's forward pass. It
// gives the same bits as filling C's rows with bias and calling GemmBF16
// with beta 1, without writing C and reading it back first.
func GemmBF16Bias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
	checkGemmArgs("GemmBF16Bias", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if len(bias) != n {
		panic(fmt.Sprintf("simd.GemmBF16Bias: bias has %d values, want n = %d", len(bias), n))
	}
	countGemm(true, m, n, k)
	switch {
	case m == 0 || n == 0:
	case k == 0 || alpha == 0:
		fillRows(m, bias, c, ldc)
	default:
		gemmBF16BiasImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, bias, c, ldc)
	}
}

// gemmBiasFunc is a GEMM whose C starts as bias rows rather than beta·C.
type gemmBiasFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int)

var gemmBF16BiasImpl gemmBiasFunc = biasByFill(gemmBF16Fallback)

// biasByFill is the plain form of a bias GEMM: fill, then accumulate.
func biasByFill(gemm gemmFunc) gemmBiasFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
		fillRows(m, bias, c, ldc)
		gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc)
	}
}

// fillRows sets each of C's m rows to row.
func fillRows(m int, row, c []float32, ldc int) {
	parallel.For(m, max(1, 1<<14/max(len(row), 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			copy(c[r*ldc:r*ldc+len(row)], row)
		}
	})
}

func init() {
	onLevel(func(l Level) {
		switch {
		case l >= AMX && bf16KernelAMX != nil:
			gemmBF16Impl, gemmBF16BiasImpl = bf16With(bf16KernelAMX), bf16BiasWith(bf16KernelAMX)
			setKernel("gemm_bf16", bf16KernelAMX.name)
		case l >= AVX512 && HasBF16Dot() && bf16KernelAVX512 != nil:
			gemmBF16Impl, gemmBF16BiasImpl = bf16With(bf16KernelAVX512), bf16BiasWith(bf16KernelAVX512)
			setKernel("gemm_bf16", bf16KernelAVX512.name)
		default:
			gemmBF16Impl, gemmBF16BiasImpl = gemmBF16Fallback, biasByFill(gemmBF16Fallback)
			setKernel("gemm_bf16", "fp32-fallback-"+l.String())
		}
	})
}

var fallbackLogOnce sync.Once

// gemmBF16Fallback rounds op(A) and op(B) into bf16-valued float32 copies and
// runs Sgemm on them: slower than a bf16 kernel, but numerically the same.
func gemmBF16Fallback(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !HasBF16Dot() && !Supported(AMX) {
		fallbackLogOnce.Do(func() {
			log.Printf("simd: no bf16 hardware (AVX512_BF16 or AMX) on this CPU; bf16 GEMM falls back to fp32 kernels on bf16-rounded operands")
		})
	}
	bufs := gemmBufPool.Get().(*gemmBuffers)
	defer gemmBufPool.Put(bufs)
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	bufs.a = roundMatrix(bufs.a, a, ar, ac, lda)
	bufs.b = roundMatrix(bufs.b, b, br, bc, ldb)
	sgemmImpl(transA, transB, m, n, k, alpha, bufs.a, ac, bufs.b, bc, beta, c, ldc) // not Sgemm: the work is counted as bf16
}

// roundMatrix copies the rows×cols matrix src (stride ld) densely into buf,
// rounding every entry to bf16.
func roundMatrix(buf, src []float32, rows, cols, ld int) []float32 {
	buf = grow(buf, rows*cols)
	for i := 0; i < rows; i++ {
		row := src[i*ld : i*ld+cols]
		dst := buf[i*cols : (i+1)*cols]
		for j, v := range row {
			dst[j] = RoundBF16(v)
		}
	}
	return buf
}
