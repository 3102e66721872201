package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSgemmDirectPaths runs Sgemm with A and B packed, A read in place, and
// A and B read in place, so every path meets the reference on
// whole and ragged row panels, ragged column panels, several depth blocks,
// every transpose, strides that are and are not 4 KiB multiples, and
// alpha/beta (NaN C with beta == 0; guard cells after C).
func TestSgemmDirectPaths(t *testing.T) {
	if !Supported(AVX512) || sgemmKernelAVX512 == nil {
		t.Skip("no AVX-512 kernel in this build or on this CPU: the direct kernels are AVX-512 only")
	}
	saved, savedB := directA, directBOn
	defer func() { directA, directBOn = saved, savedB }()
	var cases []gemmCase
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			cases = append(cases,
				gemmCase{tA, tB, 24, 64, 40, 1, 0, 0},         // whole panels only
				gemmCase{tA, tB, 60, 96, 7, 1, 0.5, 1},        // depth 7: the one-step tail loop runs thrice
				gemmCase{tA, tB, 37, 45, 300, -0.5, 2, 3},     // ragged rows and columns, two depth blocks
				gemmCase{tA, tB, 12, 33, 513, 1.5, 1, 1},      // one panel, three depth blocks
				gemmCase{tA, tB, 131, 70, 64, 2, -1, 0},       // ragged panel of 11 rows
				gemmCase{tA, tB, 1600, 40, 20, 1, 0.5, 7},     // two mc blocks
				gemmCase{tA, tB, 60, 100, 1000, 1, 0, 24},     // lda = 1024 when A is not transposed
				gemmCase{tA, tB, 1000, 35, 90, 0.25, 0, 1024}, // lda = 1024+90 or 1024+1000
				gemmCase{tA, tB, 30, 64, 50, 1, 0, 960},       // ldb = 1024 when B is not transposed
			)
		}
	}
	for _, mode := range []struct {
		name     string
		onA, onB bool
	}{{"packed", false, false}, {"directA", true, false}, {"directB", false, true}, {"directAB", true, true}} {
		t.Run("mode="+mode.name, func(t *testing.T) {
			directA.trans, directA.normal, directBOn = mode.onA, mode.onA, mode.onB
			withLevel(t, AVX512, func() {
				rng := rand.New(rand.NewPCG(21, 22))
				for _, tc := range cases {
					runCase(t, rng, tc)
				}
			})
		})
	}
}

// TestSgemmDirectTinyBlocks forces the direct path through the driver with
// tiny block sizes so panels cross many kc, nb and mc boundaries.
func TestSgemmDirectTinyBlocks(t *testing.T) {
	if !Supported(AVX512) || sgemmKernelAVX512 == nil {
		t.Skip("no AVX-512 kernel in this build or on this CPU: the direct kernels are AVX-512 only")
	}
	saved, savedB := directA, directBOn
	defer func() { directA, directBOn = saved, savedB }()
	directA.trans, directA.normal, directBOn = true, true, true
	kern := *sgemmKernelAVX512
	kern.kc, kern.nb, kern.mc = 37, 2*kern.nr+3, 3*kern.mr+1
	rng := rand.New(rand.NewPCG(23, 24))
	for _, tc := range []gemmCase{
		{false, false, 77, 150, 100, 1.5, 0.5, 2},
		{true, false, 77, 150, 100, 1, 0, 1},
		{true, true, 40, 64, 75, -1, 1, 0},
		{false, true, 36, 97, 74, 0.5, 2, 3},
		{true, false, 29, 70, 80, 2, 1, 5},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			ar, ac := tc.m, tc.k
			if tc.transA {
				ar, ac = ac, ar
			}
			br, bc := tc.k, tc.n
			if tc.transB {
				br, bc = bc, br
			}
			lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
			a, b := randSlice(rng, ar*lda), randSlice(rng, br*ldb)
			c := randSlice(rng, tc.m*ldc)
			want := append([]float32(nil), c...)
			sgemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
			sgemmSerial(&kern, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, nil, c, ldc)
			for j := range c {
				// inputs in [-1, 1): |err| <= 4·K·eps32·(K·|alpha| + |beta|) bounds the sum-of-products error
				tol := 4 * float64(tc.k) * (1.0 / (1 << 23)) * (float64(tc.k)*abs64(tc.alpha) + abs64(tc.beta))
				if d := abs64(c[j] - want[j]); !(d <= tol) {
					t.Fatalf("C flat[%d] = %g, reference %g", j, c[j], want[j])
				}
			}
		})
	}
}

func abs64(x float32) float64 {
	if x < 0 {
		return float64(-x)
	}
	return float64(x)
}

// TestUseDirectA checks the per-call choices: direct for transposed A at any
// stride, packed for untransposed A whose rows are a multiple of 4 KiB apart;
// direct B only untransposed, for few rows and unaliased strides.
func TestUseDirectA(t *testing.T) {
	if sgemmKernelAVX512 == nil {
		t.Skip("no AVX-512 kernel in this build: nothing to choose")
	}
	for _, tc := range []struct {
		transA bool
		lda    int
		want   bool
	}{
		{true, 768, true}, {true, 1024, true}, {true, 3072, true},
		{false, 256, true}, {false, 768, true}, {false, 1040, true}, {false, 8320, true},
		{false, 1024, false}, {false, 2048, false}, {false, 3072, false},
	} {
		if got := useDirectA(sgemmKernelAVX512, tc.transA, tc.lda); got != tc.want {
			t.Errorf("useDirectA(transA=%v, lda=%d) = %v, want %v", tc.transA, tc.lda, got, tc.want)
		}
	}
	if useDirectA(sgemmKernelGo, true, 768) || useDirectA(sgemmKernelGo, false, 768) {
		t.Error("the Go kernel has no direct variant but useDirectA chose it")
	}
	for _, tc := range []struct {
		transB bool
		m, ldb int
		want   bool
	}{
		{false, 65, 64, true}, {false, 768, 256, true}, {false, 1024, 1040, true},
		{true, 65, 64, false},     // transposed B has no contiguous steps
		{false, 1025, 256, false}, // many rows amortise packing
		{false, 256, 1024, false}, // 4 KiB-aliased rows
		{false, 256, 3072, false},
	} {
		if got := useDirectB(sgemmKernelAVX512, tc.transB, tc.m, tc.ldb); got != tc.want {
			t.Errorf("useDirectB(transB=%v, m=%d, ldb=%d) = %v, want %v", tc.transB, tc.m, tc.ldb, got, tc.want)
		}
	}
}

// TestGemmGridDirect checks that reading A in place changes the thread grid
// where it should: a tall product splits C by columns once no thread has to
// pack its own copy of A. Hand-computed with the model's constants (pack 24,
// direct 8 per element and depth) for 2048×1024, k = 512, 2 threads:
// packed A: rows split 1032·1024·512 + 512·24·(1032+1024) = 566.3M,
// columns split 2048·512·512 + 512·24·(2048+512) = 568.3M;
// direct A: rows split 541.1M + 512·(8·1032+24·1024) = 557.9M,
// columns split 536.9M + 512·(8·2048+24·512) = 551.6M.
func TestGemmGridDirect(t *testing.T) {
	for _, tc := range []struct {
		m, n, k, threads int
		packA            bool
		tm, tn           int
	}{
		{2048, 1024, 512, 2, true, 2, 1},
		{2048, 1024, 512, 2, false, 1, 2},
		{100000, 32, 256, 8, false, 8, 1}, // a single column panel can only split rows
		{20, 20, 20, 2, false, 1, 1},
	} {
		tm, tn := gemmGridFor(tc.m, tc.n, tc.k, tc.threads, 12, 32, tc.packA)
		if tm != tc.tm || tn != tc.tn {
			t.Errorf("gemmGridFor(m=%d n=%d k=%d threads=%d packA=%v) = %d×%d, want %d×%d", tc.m, tc.n, tc.k, tc.threads, tc.packA, tm, tn, tc.tm, tc.tn)
		}
	}
}
