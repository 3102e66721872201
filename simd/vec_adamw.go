package simd

import "math"

// The AdamW update, one pass over a parameter and its state. Memory-bound
// on large parameters; the Go loop is the reference, AVX-512 assembly is
// in vec_adamw_amd64.s and gives the same bits (the same float32
// operations in the same order, none fused).

var adamWImpl = adamWGo

func init() {
	onLevel(func(l Level) {
		adamWImpl = adamWGo
		impl := "go"
		if l >= AVX512 && adamWAVX512 != nil {
			adamWImpl, impl = adamWAVX512, "avx512"
		}
		setKernel("adamw", impl)
	})
}

// AdamWCoef are one parameter's constants for a step: the decoupled decay
// factor 1 − lr·wd, the betas, lr/(1 − β1ᵗ), 1/√(1 − β2ᵗ) and ε.
type AdamWCoef struct {
	Decay, Beta1, Beta2, StepSize, InvSqrtBc2, Eps float32
}

// AdamW updates p with gradient g and moments m and v, in float32:
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g·g
//	p ← p·decay − stepSize·m / (√v·invSqrtBc2 + ε)
func AdamW(p, g, m, v []float32, c AdamWCoef) {
	sameLen("AdamW", len(p), "p, g, m, v", len(g), len(m), len(v))
	if len(p) > 0 {
		adamWImpl(p, g, m, v, c)
	}
}

// adamWGo spells every rounding out with float32 conversions, which Go
// never fuses into FMAs, so it gives the same bits on every architecture.
func adamWGo(p, g, m, v []float32, c AdamWCoef) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	c1, c2 := 1-c.Beta1, 1-c.Beta2
	for i := range p {
		gi := g[i]
		mi := float32(c.Beta1*m[i]) + float32(c1*gi)
		vi := float32(c.Beta2*v[i]) + float32(float32(c2*gi)*gi)
		m[i], v[i] = mi, vi
		denom := float32(float32(math.Sqrt(float64(vi)))*c.InvSqrtBc2) + c.Eps
		p[i] = float32(p[i]*c.Decay) - float32(c.StepSize*mi)/denom
	}
}
