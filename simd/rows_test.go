package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// within reports whether got is within tol of want (NaN only matches NaN,
// infinities only themselves).
func within(got float32, want, tol float64) bool {
	g := float64(got)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(g) && math.IsNaN(want) || g == want
	}
	return math.Abs(g-want) <= tol
}

const ulp32 = 1.0 / (1 << 23)

// TestExp: relative error <= 2 ulp (2·2^-23·|e^x|) over the whole range, plus
// half the least subnormal in the gradual-underflow range; exact at the edges.
func TestExp(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, n := range testLengths {
			x := uniform(rng, n, -105, 90)
			if n > 8 {
				copy(x, []float32{0, 1, -1, 88.7, 89, -87.5, -103.9, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}[:min(n, 10)])
			}
			dst := make([]float32, n)
			Exp(dst, x)
			for i, v := range x {
				want := math.Exp(float64(v))
				if want > math.MaxFloat32 {
					want = math.Inf(1)
				}
				if !within(dst[i], want, 2*ulp32*want+math.Ldexp(1, -149)) {
					t.Fatalf("Exp(%g) = %g, want %g", v, dst[i], want)
				}
			}
		}
	})
}

// TestSoftmax compares with float64 softmax and log-softmax; inputs span
// ±30 so the max subtraction matters. Tolerance, relative: 8 ulp (exp error,
// the sum and the final scale) plus |x-max|·2^-24, the error e^(x-max) inherits
// from rounding x-max to float32; 1e-6·(1+|ref|) absolute for log-softmax.
func TestSoftmax(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, n := range testLengths[1:] {
			x := uniform(rng, n, -30, 30)
			m := math.Inf(-1)
			for _, v := range x {
				m = math.Max(m, float64(v))
			}
			var s float64
			for _, v := range x {
				s += math.Exp(float64(v) - m)
			}
			dst := make([]float32, n)
			SoftmaxRow(dst, x)
			ls := make([]float32, n)
			LogSoftmaxRow(ls, x)
			for i, v := range x {
				want := math.Exp(float64(v)-m) / s
				if !within(dst[i], want, (8*ulp32+math.Abs(float64(v)-m)*ulp32/2)*want+1e-45) {
					t.Fatalf("SoftmaxRow n=%d [%d] = %g, want %g", n, i, dst[i], want)
				}
				lwant := float64(v) - m - math.Log(s)
				if !within(ls[i], lwant, 1e-6*(1+math.Abs(lwant))) {
					t.Fatalf("LogSoftmaxRow n=%d [%d] = %g, want %g", n, i, ls[i], lwant)
				}
			}
			SoftmaxRow(x, x) // in place
			for i := range x {
				if x[i] != dst[i] {
					t.Fatalf("SoftmaxRow in place n=%d [%d] = %g, out of place %g", n, i, x[i], dst[i])
				}
			}
		}
	})
}

// gelu64 and its derivatives in float64 from math.Erf / math.Tanh.
func gelu64(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func geluGrad64(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}
func quickGELU64(x float64) float64 { return x / (1 + math.Exp(-1.702*x)) }
func quickGELUGrad64(x float64) float64 {
	s := 1 / (1 + math.Exp(-1.702*x))
	return s * (1 + 1.702*x*(1-s))
}
func geluTanh64(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}
func geluTanhGrad64(x float64) float64 {
	c := math.Sqrt(2 / math.Pi)
	th := math.Tanh(c * (x + 0.044715*x*x*x))
	return 0.5*(1+th) + 0.5*x*(1-th*th)*c*(1+3*0.044715*x*x)
}

// TestGELU: the erf approximation is good to 1.5e-7 on erf, so Φ to 7.5e-8;
// with float32 rounding we allow |err| <= 4e-7·(1+|x|) for the value and
// 1e-6·(1+|x|) for the derivative, with dy = 1 and with random dy scaled in.
func TestGELU(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(25, 26))
		for _, n := range testLengths {
			x := uniform(rng, n, -9, 9)
			if n >= 7 {
				copy(x, []float32{0, -30, 30, 1e-4, -1e-4, 0.5, -0.5})
			}
			dy := uniform(rng, n, -2, 2)
			for _, f := range []struct {
				name      string
				fwd       func(dst, x []float32)
				grad      func(dx, dy, x []float32)
				ref, dref func(float64) float64
			}{
				{"GELU", GELU, GELUGrad, gelu64, geluGrad64},
				{"GELUTanh", GELUTanh, GELUTanhGrad, geluTanh64, geluTanhGrad64},
				{"QuickGELU", QuickGELU, QuickGELUGrad, quickGELU64, quickGELUGrad64},
			} {
				out := make([]float32, n)
				f.fwd(out, x)
				dx := make([]float32, n)
				f.grad(dx, dy, x)
				for i, v := range x {
					xv := float64(v)
					if want := f.ref(xv); !within(out[i], want, 4e-7*(1+math.Abs(xv))) {
						t.Fatalf("%s(%g) = %g, want %g", f.name, v, out[i], want)
					}
					if want := float64(dy[i]) * f.dref(xv); !within(dx[i], want, 1e-6*(1+math.Abs(xv))*math.Abs(float64(dy[i]))) {
						t.Fatalf("%sGrad(%g, dy=%g) = %g, want %g", f.name, v, dy[i], dx[i], want)
					}
				}
			}
		}
	})
}

// TestLayerNorm checks the forward pass against float64 (|err| <= 1e-5 on
// unit-scale outputs, with a large common offset in x), and the backward
// pass against float64 formulas and central finite differences of the
// float64 forward (loss = Σ dy·y).
func TestLayerNorm(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(27, 28))
		const eps = 1e-5
		for _, n := range testLengths[1:] {
			x := uniform(rng, n, 99, 101)
			gamma, beta, dy := uniform(rng, n, 0.5, 1.5), uniform(rng, n, -1, 1), uniform(rng, n, -1, 1)
			fwd := func(x []float64) []float64 {
				var mu, v float64
				for _, a := range x {
					mu += a
				}
				mu /= float64(n)
				for _, a := range x {
					v += (a - mu) * (a - mu)
				}
				r := 1 / math.Sqrt(v/float64(n)+eps)
				y := make([]float64, n)
				for i, a := range x {
					y[i] = (a-mu)*r*float64(gamma[i]) + float64(beta[i])
				}
				return y
			}
			x64 := make([]float64, n)
			for i, v := range x {
				x64[i] = float64(v)
			}
			want := fwd(x64)
			dst := make([]float32, n)
			mean, rstd := LayerNormRow(dst, x, gamma, beta, eps)
			for i := range dst {
				if !within(dst[i], want[i], 1e-5*(1+math.Abs(want[i]))) {
					t.Fatalf("LayerNormRow n=%d [%d] = %g, want %g", n, i, dst[i], want[i])
				}
			}
			dx := make([]float32, n)
			dgamma, dbeta := make([]float32, n), make([]float32, n)
			for i := range dgamma {
				dgamma[i], dbeta[i] = 0.25, -0.5 // the kernel must add, not overwrite
			}
			LayerNormBackwardRow(dx, dgamma, dbeta, dy, x, gamma, mean, rstd)
			loss := func(x []float64) float64 {
				var l float64
				for i, y := range fwd(x) {
					l += float64(dy[i]) * y
				}
				return l
			}
			step := 1e-4
			for _, i := range []int{0, n / 2, n - 1} {
				xp := append([]float64(nil), x64...)
				xp[i] += step
				lp := loss(xp)
				xp[i] -= 2 * step
				fd := (lp - loss(xp)) / (2 * step)
				if !within(dx[i], fd, 1e-3*(1+math.Abs(fd))) {
					t.Fatalf("LayerNormBackwardRow n=%d dx[%d] = %g, finite difference %g", n, i, dx[i], fd)
				}
			}
			var mu, v float64
			for _, a := range x64 {
				mu += a
			}
			mu /= float64(n)
			for _, a := range x64 {
				v += (a - mu) * (a - mu)
			}
			r := 1 / math.Sqrt(v/float64(n)+eps)
			for i := range x {
				xhat := (x64[i] - mu) * r
				if !within(dgamma[i], 0.25+float64(dy[i])*xhat, 1e-5) || !within(dbeta[i], -0.5+float64(dy[i]), 1e-6) {
					t.Fatalf("LayerNormBackwardRow n=%d dgamma/dbeta[%d] = %g/%g, want %g/%g", n, i, dgamma[i], dbeta[i], 0.25+float64(dy[i])*xhat, -0.5+float64(dy[i]))
				}
			}
		}
	})
}
