package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamW checks every level against a float64 evaluation of the update
// (within a few float32 roundings) and against adamWGo bit for bit, over
// several steps of state, at lengths around the vector width.
func TestAdamW(t *testing.T) {
	c := AdamWCoef{Decay: 1 - 1e-4, Beta1: 0.9, Beta2: 0.98, StepSize: 2e-3, InvSqrtBc2: 3.7, Eps: 1e-6}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(71, 72))
		for _, n := range testLengths {
			p, g := uniform(rng, n, -1, 1), uniform(rng, n, -0.1, 0.1)
			m, v := uniform(rng, n, -0.01, 0.01), uniform(rng, n, 0, 1e-3)
			rp, rm, rv := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			for step := range 3 {
				want := make([]float64, n)
				for i := range p {
					gi := float64(g[i])
					mi := float64(c.Beta1)*float64(m[i]) + float64(1-c.Beta1)*gi
					vi := float64(c.Beta2)*float64(v[i]) + float64(1-c.Beta2)*gi*gi
					want[i] = float64(p[i])*float64(c.Decay) - float64(c.StepSize)*mi/(math.Sqrt(vi)*float64(c.InvSqrtBc2)+float64(c.Eps))
				}
				AdamW(p, g, m, v, c)
				adamWGo(rp, g, rm, rv, c)
				for i := range p {
					if math.Float32bits(p[i]) != math.Float32bits(rp[i]) || m[i] != rm[i] || v[i] != rv[i] {
						t.Fatalf("n=%d step %d [%d]: p, m, v = %g, %g, %g; Go reference %g, %g, %g", n, step, i, p[i], m[i], v[i], rp[i], rm[i], rv[i])
					}
					if d := math.Abs(float64(p[i]) - want[i]); d > 8*eps32*(math.Abs(want[i])+float64(c.StepSize)) {
						t.Fatalf("n=%d step %d [%d]: p = %g, float64 update gives %g", n, step, i, p[i], want[i])
					}
				}
				g = uniform(rng, n, -0.1, 0.1)
			}
		}
	})
}

// BenchmarkAdamW updates a parameter of 2^16 floats (in cache) and of 2^22
// (in memory) per level.
func BenchmarkAdamW(b *testing.B) {
	c := AdamWCoef{Decay: 1 - 1e-4, Beta1: 0.9, Beta2: 0.98, StepSize: 2e-3, InvSqrtBc2: 3.7, Eps: 1e-6}
	for _, n := range []int{1 << 16, 1 << 22} {
		rng := rand.New(rand.NewPCG(1, 2))
		p, g, m, v := uniform(rng, n, -1, 1), uniform(rng, n, -0.1, 0.1), uniform(rng, n, -0.01, 0.01), uniform(rng, n, 0, 1e-3)
		for _, l := range []Level{Generic, AVX512} {
			if !Supported(l) {
				continue
			}
			b.Run(fmt.Sprintf("n=%d/level=%v", n, l), func(b *testing.B) {
				defer SetLevel(Active())
				if err := SetLevel(l); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(28 * n))
				for range b.N {
					AdamW(p, g, m, v, c)
				}
			})
		}
	}
}
