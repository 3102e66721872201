package autograd

import (
	"fmt"

	"github.com/mmpoison/mmpoison/simd"
)

// Precision selects the arithmetic of a tape's matrix products. Master
// weights, gradients and optimiser state stay float32 either way; only the
// operands of GEMMs are rounded.
type Precision int

const (
	// FP32 multiplies in float32 (the default).
	FP32 Precision = iota
	// BF16 rounds GEMM operands to bfloat16 (nearest even) and accumulates
	// the products in float32, forward and backward; GEMMs smaller than
	// BF16MinWork stay fp32.
	BF16
)

// String gives the name ParsePrecision accepts.
func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ParsePrecision reads "fp32" (or "") and "bf16".
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "", "fp32":
		return FP32, nil
	case "bf16":
		return BF16, nil
	}
	return FP32, fmt.Errorf("precision %q is not known: use fp32 or bf16", s)
}

// SetPrecision chooses the arithmetic of the tape's matrix products (MatMul,
// Linear, Conv2d) from now on; it returns the old setting.
func (g *Tape) SetPrecision(p Precision) Precision {
	old := g.precision
	g.precision = p
	return old
}

// Precision reports the arithmetic of the tape's matrix products.
func (g *Tape) Precision() Precision { return g.precision }

// BF16MinWork is the smallest m·n·k of a GEMM that BF16 precision runs in
// bf16; smaller products stay fp32. With the AVX512_BF16 kernel (Zen 4, see
// BenchmarkGemmStepShapes) bf16 took 0.5-0.7x the CPU time of fp32 on every
// GEMM of the peer-vit and peer-resnet steps, from 65×65×64 and 128×16×192
// up to 8320×1024×256, whatever the aspect ratio (m or n of 4, depth 8).
// Below 32³ multiply-adds a GEMM takes about a microsecond either way, so
// those tiny products keep fp32's accuracy at no measurable cost. Set it to
// 0 to round every GEMM (tests, numerical studies); change it only while no
// tape is running.
var BF16MinWork = 1 << 15

// roundsOperands reports whether g.gemm of an m×n×k product rounds its
// operands to bf16.
func (g *Tape) roundsOperands(m, n, k int) bool {
	return g.precision == BF16 && m*n*k >= BF16MinWork
}

// gemm is simd.GemmBF16 in BF16 mode for products of at least BF16MinWork
// multiply-adds and simd.Sgemm otherwise. It only reads the tape, so ops may
// call it from worker goroutines.
func (g *Tape) gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if g.roundsOperands(m, n, k) {
		simd.GemmBF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	simd.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
