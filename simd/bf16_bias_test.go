package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// biasShapes cross the kernels' row, column and depth edges, with C wider
// than n (ldc > n) so that writes outside the n columns would show.
var biasShapes = [][3]int{{1, 1, 1}, {7, 33, 5}, {13, 47, 130}, {65, 63, 129}, {40, 96, 600}, {3, 200, 64}}

// fillThenGemm is the reference: C's rows set to bias, then beta 1.
func fillThenGemm(gemm gemmFunc, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
	for r := 0; r < m; r++ {
		copy(c[r*ldc:r*ldc+n], bias)
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc)
}

func checkBiasGemm(t *testing.T, rng *rand.Rand, name string, got gemmBiasFunc, ref gemmFunc) {
	t.Helper()
	for _, s := range biasShapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			m, n, k := s[0], s[1], s[2]
			lda, ldb, ldc := k+1, n+2, n+3
			if tr[0] {
				lda = m + 1
			}
			if tr[1] {
				ldb = k + 2
			}
			a, b := bf16Values(rng, lda*max(m, k), false), bf16Values(rng, ldb*max(k, n), false)
			bias := bf16Values(rng, n, false)
			c0 := bf16Values(rng, m*ldc, false) // whatever C held must not leak in
			want, have := append([]float32(nil), c0...), append([]float32(nil), c0...)
			fillThenGemm(ref, tr[0], tr[1], m, n, k, 0.75, a, lda, b, ldb, bias, want, ldc)
			got(tr[0], tr[1], m, n, k, 0.75, a, lda, b, ldb, bias, have, ldc)
			for i := range want {
				if want[i] != have[i] {
					t.Fatalf("%s %dx%dx%d trans %v: C[%d] = %g with the bias epilogue, %g filled then accumulated", name, m, n, k, tr, i, have[i], want[i])
				}
			}
		}
	}
}

// The bias epilogue must give the bits of filling C with the bias and
// accumulating onto it, for every kernel, blocking and grid.
func TestGemmBF16BiasIsFillThenAccumulate(t *testing.T) {
	kernels := []*bf16Kernel{bf16KernelGo}
	if HasBF16Dot() && bf16KernelAVX512 != nil {
		kernels = append(kernels, bf16KernelAVX512)
	}
	for _, kern := range kernels {
		small := *kern
		small.kc, small.nb, small.mc = 2*((kern.kc/6)/2+1), 2*kern.nr, 2*kern.mr
		for _, kn := range []*bf16Kernel{kern, &small} {
			for _, g := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}} {
				name := fmt.Sprintf("%s/kc=%d/grid=%dx%d", kn.name, kn.kc, g[0], g[1])
				rng := rand.New(rand.NewPCG(21, 22))
				grid := func(bias []float32) func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
					return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
						if g == [2]int{1, 1} {
							bf16Serial(kn, bf16Shared{}, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
							return
						}
						bf16Grid(kn, g[0], g[1], transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
					}
				}
				withBias := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
					grid(bias)(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, c, ldc)
				}
				checkBiasGemm(t, rng, name, withBias, grid(nil))
			}
		}
	}
}

func TestGemmBF16BiasAllLevels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		checkBiasGemm(t, rng, "GemmBF16Bias", GemmBF16Bias, GemmBF16)
		// k = 0 leaves C as the bias rows
		c := []float32{9, 9, 9, 9, 9, 9}
		GemmBF16Bias(false, false, 2, 3, 0, 1, nil, 1, nil, 3, []float32{1, 2, 3}, c, 3)
		if want := []float32{1, 2, 3, 1, 2, 3}; fmt.Sprint(c) != fmt.Sprint(want) {
			t.Errorf("k = 0: C = %v, want the bias rows %v", c, want)
		}
	})
}

func TestGemmBF16BiasRejectsAWrongBias(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a bias of 2 values for n = 3 did not panic")
		}
	}()
	GemmBF16Bias(false, false, 1, 3, 1, 1, []float32{1}, 1, []float32{1, 2, 3}, 3, []float32{1, 2}, make([]float32, 3), 3)
}
