package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// roundBF16Ref rounds to bf16 by comparing the two bf16 neighbours in float64.
func roundBF16Ref(x float32) float32 {
	u := math.Float32bits(x)
	down := math.Float32frombits(u &^ 0xffff)
	up := math.Float32frombits((u &^ 0xffff) + 0x10000)
	dd := math.Abs(float64(x) - float64(down))
	du := math.Abs(float64(up) - float64(x))
	switch {
	case dd < du:
		return down
	case du < dd:
		return up
	case (u>>16)&1 == 0:
		return down
	}
	return up
}

func TestRoundBF16Cases(t *testing.T) {
	cases := []struct{ in, want float32 }{
		{1, 1},
		{1 + 1.0/256, 1},                         // tie between 1 and 1+2^-7: even is 1
		{1 + 3.0/256, 1 + 1.0/64},                // tie between 1+2^-7 (odd) and 1+2^-6 (even)
		{1 + 1.0/256 + 1.0/(1<<20), 1 + 1.0/128}, // just above the tie
		{-2.5, -2.5},
		{math.MaxFloat32, float32(math.Inf(1))},
		{float32(math.Inf(-1)), float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := RoundBF16(c.in); got != c.want {
			t.Errorf("RoundBF16(%g) = %g, want %g", c.in, got, c.want)
		}
	}
	if got := RoundBF16(float32(math.NaN())); got == got {
		t.Errorf("RoundBF16(NaN) = %g, want NaN", got)
	}
	if got := RoundBF16(float32(math.Copysign(0, -1))); math.Float32bits(got) != 0x80000000 {
		t.Errorf("RoundBF16(-0) = %g, want -0", got)
	}
}

func TestRoundBF16Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		x := math.Float32frombits(rng.Uint32() &^ 0x40000000) // |x| < 2 ... tiny, avoids overflow
		if i%2 == 1 {
			x = math.Float32frombits(rng.Uint32())
		}
		if x != x || math.IsInf(float64(x), 0) || math.Abs(float64(x)) > 3.38e38 {
			continue
		}
		if got, want := RoundBF16(x), roundBF16Ref(x); got != want {
			t.Fatalf("RoundBF16(%g [%#08x]) = %g, want %g", x, math.Float32bits(x), got, want)
		}
	}
}

func TestBF16Convert(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := uniform(rng, 1000, -100, 100)
	h := make([]uint16, len(src))
	ToBF16Sticky(h, src) // normal values: the same rounding as RoundBF16
	back := make([]float32, len(src))
	FromBF16(back, h)
	for i, v := range src {
		if back[i] != RoundBF16(v) {
			t.Fatalf("FromBF16(ToBF16Sticky(%g)) = %g, want %g", v, back[i], RoundBF16(v))
		}
	}
}

type bf16Case struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int
	wide           bool // entries span 2^-20..2^20 instead of [-1, 1)
}

func (c bf16Case) String() string {
	return fmt.Sprintf("tA=%v/tB=%v/m=%d/n=%d/k=%d/alpha=%g/beta=%g/pad=%d/wide=%v",
		c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.pad, c.wide)
}

func bf16Values(rng *rand.Rand, n int, wide bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		if wide {
			s[i] = float32(math.Ldexp(1+rng.Float64(), rng.IntN(41)-20))
			if rng.IntN(2) == 0 {
				s[i] = -s[i]
			}
		} else {
			s[i] = rng.Float32()*2 - 1
		}
	}
	return s
}

// checkBF16Gemm runs gemm on one case and checks every cell two ways:
//
//   - against float64 on the unrounded inputs: rounding both operands to bf16
//     (unit roundoff 2^-8) gives each product a relative error of at most
//     2·2^-8 + 2^-16, so |err| <= (2^-7 + 2^-16 + (k+2)·2^-24)·S, where
//     S = |alpha|·Σ|a||b| + |beta·c| and the last term is float32 summation;
//   - against float64 on bf16-rounded inputs, where only summation error
//     remains: |err| <= (k+2)·2^-24·S'. This catches a wrong rounding mode or
//     mispaired operands, which the first bound is too loose to see.
//
// It also checks C's padding and the cells after it still hold the sentinel.
func checkBF16Gemm(t *testing.T, rng *rand.Rand, tc bf16Case, gemm gemmFunc) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a := bf16Values(rng, ar*lda, tc.wide)
	b := bf16Values(rng, br*ldb, tc.wide)
	const guard = 7
	const sentinel = float32(-777.25)
	c := make([]float32, tc.m*ldc+guard)
	for i := range c {
		c[i] = sentinel
	}
	c0 := make([]float32, len(c))
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			c0[i*ldc+j] = rng.Float32()*2 - 1
			c[i*ldc+j] = c0[i*ldc+j]
			if tc.beta == 0 {
				c[i*ldc+j] = float32(math.NaN()) // beta == 0 must not read C
			}
		}
	}
	opA := func(i, p int) float32 {
		if tc.transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	opB := func(p, j int) float32 {
		if tc.transB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	if gemm == nil {
		gemm = GemmBF16
	}
	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	eps := math.Ldexp(1, -24)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var exact, rounded, mag, magR float64
			for p := 0; p < tc.k; p++ {
				x, y := float64(opA(i, p)), float64(opB(p, j))
				xr, yr := float64(RoundBF16(opA(i, p))), float64(RoundBF16(opB(p, j)))
				exact += x * y
				rounded += xr * yr
				mag += math.Abs(x * y)
				magR += math.Abs(xr * yr)
			}
			al, be := float64(tc.alpha), float64(tc.beta)
			cc := float64(c0[i*ldc+j])
			wantE := al*exact + be*cc
			wantR := al*rounded + be*cc
			s := math.Abs(al)*mag + math.Abs(be*cc)
			sR := math.Abs(al)*magR + math.Abs(be*cc)
			tolE := (math.Ldexp(1, -7)+math.Ldexp(1, -16)+float64(tc.k+2)*eps)*s + 1e-30
			tolR := float64(tc.k+2)*eps*sR + 1e-30
			got := float64(c[i*ldc+j])
			if d := math.Abs(got - wantE); !(d <= tolE) {
				t.Fatalf("%v: C[%d][%d] = %g, float64 on unrounded inputs %g: |err| %g > bound %g", tc, i, j, got, wantE, d, tolE)
			}
			if d := math.Abs(got - wantR); !(d <= tolR) {
				t.Fatalf("%v: C[%d][%d] = %g, float64 on bf16-rounded inputs %g: |err| %g > bound %g", tc, i, j, got, wantR, d, tolR)
			}
		}
	}
	for i := 0; i < tc.m; i++ {
		for j := tc.n; j < ldc; j++ {
			if c[i*ldc+j] != sentinel {
				t.Fatalf("%v: padding C[%d][%d] overwritten with %g", tc, i, j, c[i*ldc+j])
			}
		}
	}
	for i := tc.m * ldc; i < len(c); i++ {
		if c[i] != sentinel {
			t.Fatalf("%v: guard cell %d after C overwritten with %g", tc, i, c[i])
		}
	}
}

func bf16Cases(short bool) []bf16Case {
	var cs []bf16Case
	sizes := []int{0, 1, 7, 15, 17, 63, 65, 129}
	for _, s := range sizes {
		cs = append(cs, bf16Case{m: s, n: s, k: s, alpha: 1})
	}
	for i, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		cs = append(cs,
			bf16Case{transA: tr[0], transB: tr[1], m: 17, n: 65, k: 63, alpha: 1, beta: 0, pad: 3},
			bf16Case{transA: tr[0], transB: tr[1], m: 65, n: 33, k: 129, alpha: -0.5, beta: 2, pad: 1 + i},
			bf16Case{transA: tr[0], transB: tr[1], m: 13, n: 47, k: 7, alpha: 1.5, beta: 1, pad: 2, wide: true},
			bf16Case{transA: tr[0], transB: tr[1], m: 129, n: 15, k: 1, alpha: 1, beta: -1},
		)
	}
	cs = append(cs,
		bf16Case{m: 65, n: 63, k: 129, alpha: 0.25, beta: 0.5, wide: true},
		bf16Case{m: 64, n: 96, k: 40, alpha: 1, beta: 1, pad: 3}, // whole AMX tiles accumulated in place
		bf16Case{m: 5, n: 9, k: 0, alpha: 1, beta: 3},
		bf16Case{m: 5, n: 9, k: 11, alpha: 0, beta: 0},
	)
	if !short {
		cs = append(cs, bf16Case{transB: true, m: 200, n: 150, k: 900, alpha: 1, beta: 1, pad: 5})
	}
	return cs
}

func TestGemmBF16AllLevels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, tc := range bf16Cases(testing.Short()) {
			checkBF16Gemm(t, rng, tc, nil)
		}
	})
}

// TestBF16Driver drives the packed driver with each pair kernel and blocking
// shrunk so that small shapes cross every depth, row and column block edge.
func TestBF16Driver(t *testing.T) {
	amxGo := &bf16Kernel{name: "go-amx-layout", mr: amxMR, nr: amxNR, kc: 512, nb: 256, mc: 256, nc: 256,
		kstep: amxPairs, packA: packAAMX, tile: amxTileGo}
	padded := *bf16KernelGo
	padded.name, padded.kstep = "go-bf16-kstep16", 16
	kernels := []*bf16Kernel{bf16KernelGo, &padded, amxGo}
	if HasBF16Dot() && bf16KernelAVX512 != nil {
		kernels = append(kernels, bf16KernelAVX512)
	}
	if Supported(AMX) && bf16KernelAMX != nil {
		kernels = append(kernels, bf16KernelAMX)
	}
	for _, k := range kernels {
		small := *k
		small.kc, small.nb, small.mc, small.nc = 6, 2*k.nr, 3*k.mr, 3*k.nr
		for _, kern := range []*bf16Kernel{k, &small} {
			t.Run(fmt.Sprintf("%s/kc=%d", kern.name, kern.kc), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, 8))
				for _, tc := range bf16Cases(true) {
					if tc.m == 0 || tc.n == 0 || tc.k == 0 || tc.alpha == 0 {
						continue // GemmBF16 handles these before the driver
					}
					checkBF16Gemm(t, rng, tc, bf16With(kern))
				}
			})
		}
	}
}

// TestGemmBF16Concurrent runs many GEMMs at once and expects each to match,
// bit for bit, the same call made alone (blocking does not depend on load).
func TestGemmBF16Concurrent(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		const goroutines = 8
		type job struct{ a, b, c0, want, got []float32 }
		jobs := make([]job, goroutines)
		m, n, k := 47, 70, 129
		for g := range jobs {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			j := job{a: bf16Values(rng, m*k, false), b: bf16Values(rng, k*n, false), want: make([]float32, m*n), got: make([]float32, m*n)}
			j.c0 = bf16Values(rng, m*n, false)
			copy(j.want, j.c0)
			GemmBF16(false, false, m, n, k, 1, j.a, k, j.b, n, float32(g%2), j.want, n)
			jobs[g] = j
		}
		var wg sync.WaitGroup
		for g := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				j := jobs[g]
				for rep := 0; rep < 3; rep++ {
					copy(j.got, j.c0)
					GemmBF16(false, false, m, n, k, 1, j.a, k, j.b, n, float32(g%2), j.got, n)
					for i := range j.got {
						if j.got[i] != j.want[i] {
							t.Errorf("goroutine %d: C[%d] = %g concurrently, %g alone", g, i, j.got[i], j.want[i])
							return
						}
					}
				}
			}()
		}
		wg.Wait()
	})
}

// TestBF16DriverGrid runs the driver with C cut into grids of blocks: split
// by columns, where A is packed once and shared, by rows, where each block
// packs its own, and both.
func TestBF16DriverGrid(t *testing.T) {
	kernels := []*bf16Kernel{bf16KernelGo,
		{name: "go-amx-layout", mr: amxMR, nr: amxNR, kc: 64, nb: 64, mc: 96, kstep: amxPairs, packA: packAAMX, tile: amxTileGo}}
	if HasBF16Dot() && bf16KernelAVX512 != nil {
		kernels = append(kernels, bf16KernelAVX512)
	}
	transposes := [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}
	if testing.Short() {
		transposes = [][2]bool{{false, false}, {true, true}}
	}
	for _, kern := range kernels {
		small := *kern // blocking shrunk so blocks cross every depth, row and column edge
		small.kc, small.nb, small.mc = 2*((kern.kc/6)/2+1), 2*kern.nr, 2*kern.mr
		for _, kn := range []*bf16Kernel{kern, &small} {
			t.Run(fmt.Sprintf("%s/kc=%d", kn.name, kn.kc), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(13, 14))
				for _, tr := range transposes {
					for _, g := range [][2]int{{1, 2}, {2, 1}, {2, 2}, {3, 2}} {
						grid := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
							bf16Grid(kn, g[0], g[1], transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc)
						}
						tc := bf16Case{transA: tr[0], transB: tr[1], m: 3*kn.mr*g[0] + 5, n: 2*kn.nr*g[1] + 3, k: 71, alpha: 1, beta: 0.5, pad: 3}
						checkBF16Gemm(t, rng, tc, grid)
					}
				}
			})
		}
	}
}
