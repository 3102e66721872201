package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The fp32 bias epilogue must give the bits of filling C with the bias and
// accumulating onto it: every kernel, blocking, grid, and with A and B read
// in place (the direct paths) or packed.
func TestSgemmBiasIsFillThenAccumulate(t *testing.T) {
	saved, savedB := directA, directBOn
	defer func() { directA, directBOn = saved, savedB }()
	kerns := []*gemmKernel{sgemmKernelGo, sgemmKernelAVX2, sgemmKernelAVX512}
	levels := []Level{Generic, AVX2, AVX512}
	for i, kern := range kerns {
		if kern == nil || !Supported(levels[i]) {
			continue
		}
		small := *kern
		small.kc, small.nb, small.mc = 37, 2*kern.nr+3, 3*kern.mr+1
		for _, kn := range []*gemmKernel{kern, &small} {
			for _, direct := range []bool{false, true} {
				directA.trans, directA.normal, directBOn = direct, direct, direct
				for _, g := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}} {
					grid := func(bias []float32) gemmFunc {
						return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
							if g == [2]int{1, 1} {
								sgemmSerial(kn, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
								return
							}
							sgemmGrid(kn, g[0], g[1], transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
						}
					}
					withBias := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
						grid(bias)(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, c, ldc)
					}
					rng := rand.New(rand.NewPCG(31, 32))
					checkBiasGemm(t, rng, fmt.Sprintf("%s/kc=%d/direct=%v/grid=%dx%d", kn.name, kn.kc, direct, g[0], g[1]), withBias, grid(nil))
				}
			}
		}
	}
}

func TestSgemmBiasAllLevels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(33, 34))
		checkBiasGemm(t, rng, "SgemmBias", SgemmBias, Sgemm)
	})
}
