package simd

import "sync/atomic"

// GEMM work, counted at the two entry points, so that a benchmark can give
// a step's GEMM flops and the fraction of the machine's ceiling it reaches.
// One atomic add per call: a training step makes a few thousand.
var gemmFlops [2]atomic.Int64 // fp32, bf16

// GemmWork is the floating-point operations (2·m·n·k per call) done by
// Sgemm and by GemmBF16 since the process started.
type GemmWork struct {
	FP32, BF16 int64
}

// GemmFlops reads the counters; subtract two readings for the work between them.
func GemmFlops() GemmWork {
	return GemmWork{FP32: gemmFlops[0].Load(), BF16: gemmFlops[1].Load()}
}

func countGemm(bf16 bool, m, n, k int) {
	i := 0
	if bf16 {
		i = 1
	}
	gemmFlops[i].Add(2 * int64(m) * int64(n) * int64(k))
}
