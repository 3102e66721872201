package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

const sentinel = float32(-12345.5)

// gemmCase is one Sgemm call; pads widen every leading dimension past the row.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v/tB=%v/m=%d/n=%d/k=%d/alpha=%g/beta=%g/pad=%d", tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// levelsUnderTest lists every level this build and CPU can run.
func levelsUnderTest() []Level {
	var ls []Level
	for l := Generic; l <= AMX; l++ {
		if Supported(l) {
			ls = append(ls, l)
		}
	}
	return ls
}

// withLevel runs f with level l active and restores the previous level.
func withLevel(t testing.TB, l Level, f func()) {
	old := Active()
	if err := SetLevel(l); err != nil {
		t.Fatal(err)
	}
	defer SetLevel(old)
	f()
}

// runCase calls Sgemm and sgemmRef on the same inputs and checks every output
// cell against the tolerance |err| <= 4·K·eps32·(|alpha|·Σ|a||b| + |beta·c|)
// (+ a tiny absolute floor), and that C's padding columns and the cells after
// the last row still hold the sentinel.
func runCase(t *testing.T, rng *rand.Rand, tc gemmCase) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a := randSlice(rng, ar*lda)
	b := randSlice(rng, br*ldb)
	const guard = 9 // cells after C's last row that must stay untouched
	c := make([]float32, tc.m*ldc+guard)
	for i := range c {
		c[i] = sentinel
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			if tc.beta == 0 {
				c[i*ldc+j] = float32(math.NaN()) // beta == 0 must not read C
			} else {
				c[i*ldc+j] = rng.Float32()*2 - 1
			}
		}
	}
	want := append([]float32(nil), c...)
	for i := range want {
		if want[i] != want[i] {
			want[i] = 0
		}
	}
	c0 := append([]float32(nil), want...)
	sgemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

	const eps32 = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var absSum float64
			for p := 0; p < tc.k; p++ {
				absSum += math.Abs(float64(at(tc.transA, a, lda, i, p) * at(!tc.transB, b, ldb, j, p)))
			}
			scale := math.Abs(float64(tc.alpha))*absSum + math.Abs(float64(tc.beta*c0[i*ldc+j]))
			tol := 4*float64(tc.k+1)*eps32*scale + 1e-30
			got, exp := c[i*ldc+j], want[i*ldc+j]
			if !(math.Abs(float64(got-exp)) <= tol) {
				if bad++; bad <= 5 {
					t.Errorf("%v: C[%d][%d] = %g, reference %g (tolerance %g)", tc, i, j, got, exp, tol)
				}
			}
		}
		for j := tc.n; j < ldc && i < tc.m; j++ {
			if c[i*ldc+j] != sentinel {
				t.Fatalf("%v: padding C[%d][%d] overwritten with %g", tc, i, j, c[i*ldc+j])
			}
		}
	}
	for i := tc.m * ldc; i < len(c); i++ {
		if c[i] != sentinel {
			t.Fatalf("%v: guard cell %d after C overwritten with %g", tc, i-tc.m*ldc, c[i])
		}
	}
}

// at reads op(X)[i][p] where X is stored transposed when trans is set.
func at(trans bool, x []float32, ld, i, p int) float32 {
	if trans {
		return x[p*ld+i]
	}
	return x[i*ld+p]
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func TestSgemmMatchesReference(t *testing.T) {
	sizes := []int{0, 1, 7, 15, 17, 63, 65, 129}
	for _, l := range levelsUnderTest() {
		t.Run("impl="+l.String(), func(t *testing.T) {
			withLevel(t, l, func() {
				rng := rand.New(rand.NewPCG(1, uint64(l)))
				var cases []gemmCase
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for si, s := range sizes {
							// square shapes plus mixed ones built from neighbouring sizes
							other := sizes[(si+3)%len(sizes)]
							cases = append(cases,
								gemmCase{tA, tB, s, s, s, 1, 0, 0},
								gemmCase{tA, tB, s, other, sizes[(si+5)%len(sizes)], -0.75, 1.5, 3},
								gemmCase{tA, tB, other, s, 65, 2, 1, 1})
						}
						cases = append(cases, gemmCase{tA, tB, 1000, 7, 17, 0.5, -1, 2},
							gemmCase{tA, tB, 13, 1000, 40, 1.25, 0, 5},
							gemmCase{tA, tB, 100, 90, 800, 1, 0.5, 1}) // several depth blocks
						if !testing.Short() {
							cases = append(cases, gemmCase{tA, tB, 1000, 1000, 1000, 0.5, 0.25, 4})
						}
					}
				}
				for _, tc := range cases {
					runCase(t, rng, tc)
				}
			})
		})
	}
}

// TestSgemmDegenerate checks k == 0 (C = beta·C) and alpha == 0 without NaN leaks.
func TestSgemmDegenerate(t *testing.T) {
	for _, l := range levelsUnderTest() {
		withLevel(t, l, func() {
			c := []float32{1, 2, float32(math.NaN()), 4}
			Sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 0, 0.5, c, 2)
			if c[0] != 0.5 || c[1] != 1 || c[3] != 2 {
				t.Errorf("%v: k=0 beta=0.5 gave %v", l, c)
			}
			Sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 0, 0, c, 2)
			for i, v := range c {
				if v != 0 {
					t.Errorf("%v: k=0 beta=0: C[%d] = %g, want 0", l, i, v)
				}
			}
			Sgemm(false, false, 0, 5, 3, 1, nil, 3, nil, 5, 0, nil, 5) // m = 0: nothing to touch
		})
	}
}

func TestSgemmRejectsShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sgemm with a too-short A did not panic")
		}
	}()
	Sgemm(false, false, 4, 4, 4, 1, make([]float32, 15), 4, make([]float32, 16), 4, 0, make([]float32, 16), 4)
}

// TestSgemmConcurrent runs many Sgemm calls at once, each against its own reference.
func TestSgemmConcurrent(t *testing.T) {
	const goroutines = 12
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			m, n, k := 40+g*7, 70+g, 50+3*g // above the small-matrix cut-off
			a, b := randSlice(rng, m*k), randSlice(rng, k*n)
			want, got := make([]float32, m*n), make([]float32, m*n)
			sgemmRef(false, g%2 == 1, m, n, k, 1, a, k, b, pick(g%2 == 1, k, n), 0, want, n)
			for rep := 0; rep < 3; rep++ {
				Sgemm(false, g%2 == 1, m, n, k, 1, a, k, b, pick(g%2 == 1, k, n), 0, got, n)
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-3 {
						errs <- fmt.Sprintf("goroutine %d: C[%d] = %g, want %g", g, i, got[i], want[i])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func pick(cond bool, x, y int) int {
	if cond {
		return x
	}
	return y
}

// TestSgemmBlockEdges runs the packed driver of every kernel with tiny block
// sizes so shapes cross many MC, KC and nb boundaries and ragged edges.
func TestSgemmBlockEdges(t *testing.T) {
	kerns := []*gemmKernel{sgemmKernelGo, sgemmKernelAVX2, sgemmKernelAVX512}
	levels := []Level{Generic, AVX2, AVX512}
	rng := rand.New(rand.NewPCG(5, 6))
	for i, base := range kerns {
		if base == nil || !Supported(levels[i]) {
			continue
		}
		kern := *base
		kern.kc, kern.nb, kern.mc = 37, 2*kern.nr+3, 3*kern.mr+1
		for _, tc := range []gemmCase{
			{false, false, 3*kern.mr*2 + 5, 5*kern.nr*2 + 7, 100, 1.5, 0.5, 2},
			{true, true, 71, 133, 75, 1, 0, 1},
			{true, false, 2, 400, 38, -1, 1, 0}, // few rows: C split by columns
			{false, true, 400, 3, 74, 0.5, 2, 3},
		} {
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
			sgemmBlocked(&kern, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, nil, c, ldc)
			for j := range c {
				// inputs in [-1, 1): |err| <= 4·K·eps32·(K·|alpha| + |beta|) bounds the sum-of-products error
				tol := 4 * float64(tc.k) * (1.0 / (1 << 23)) * (float64(tc.k)*math.Abs(float64(tc.alpha)) + math.Abs(float64(tc.beta)))
				if d := math.Abs(float64(c[j] - want[j])); !(d <= tol) {
					t.Fatalf("%s %v: C flat[%d] = %g, reference %g", kern.name, tc, j, c[j], want[j])
				}
			}
		}
	}
}

// TestSgemmGridSplits runs the block-per-thread driver with forced grids,
// including more parts than panels, against the reference.
func TestSgemmGridSplits(t *testing.T) {
	kerns := []*gemmKernel{sgemmKernelGo, sgemmKernelAVX2, sgemmKernelAVX512}
	levels := []Level{Generic, AVX2, AVX512}
	rng := rand.New(rand.NewPCG(11, 12))
	for i, kern := range kerns {
		if kern == nil || !Supported(levels[i]) {
			continue
		}
		for _, g := range [][2]int{{2, 1}, {1, 2}, {2, 2}, {3, 1}, {1, 5}, {7, 3}} {
			for _, tc := range []gemmCase{
				{false, false, 5*kern.mr + 3, 9*kern.nr + 1, 70, 1, 0, 2},
				{true, true, 2*kern.mr - 1, 3*kern.nr - 5, 33, -0.5, 1.5, 1},
				{false, true, kern.mr + 1, kern.nr, 17, 2, 1, 0},
				{true, false, 3, 2 * kern.nr, 9, 1, -1, 3},
			} {
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
				sgemmGrid(kern, g[0], g[1], tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, nil, c, ldc)
				for j := range c {
					tol := 4 * float64(tc.k) * (1.0 / (1 << 23)) * (float64(tc.k)*math.Abs(float64(tc.alpha)) + math.Abs(float64(tc.beta)))
					if d := math.Abs(float64(c[j] - want[j])); !(d <= tol) {
						t.Fatalf("%s grid %v %v: C flat[%d] = %g, reference %g", kern.name, g, tc, j, c[j], want[j])
					}
				}
			}
		}
	}
}

// TestGemmGrid checks the thread grid: one block when one thread or a tiny
// product, the split across the dimension whose packing is cheaper to
// duplicate, and never more parts than panels.
func TestGemmGrid(t *testing.T) {
	for _, tc := range []struct {
		m, n, k, threads int
		tm, tn           int
	}{
		{1024, 1024, 1024, 1, 1, 1},
		{20, 20, 20, 2, 1, 1},       // thread hand-off costs more than the product
		{256, 2048, 512, 2, 1, 2},   // wide: each thread packs all of the small A
		{2048, 256, 512, 2, 2, 1},   // tall: each thread packs all of the small B
		{1024, 1024, 1024, 2, 1, 2}, // square: columns split evenly into whole panels
		{2048, 2048, 2048, 4, 2, 2}, // four threads on a big square
		{12, 4096, 4096, 4, 1, 4},   // a single row panel can only split columns
		{100000, 32, 256, 8, 8, 1},  // a single column panel can only split rows
	} {
		tm, tn := gemmGrid(tc.m, tc.n, tc.k, tc.threads, 12, 32)
		if tm != tc.tm || tn != tc.tn {
			t.Errorf("gemmGrid(m=%d n=%d k=%d threads=%d) = %d×%d, want %d×%d", tc.m, tc.n, tc.k, tc.threads, tm, tn, tc.tm, tc.tn)
		}
	}
}
