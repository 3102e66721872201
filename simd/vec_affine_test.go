package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// eps32 is float32's unit roundoff, 2^-24.
var eps32 = math.Ldexp(1, -24)

// TestMoments checks the sum against a float64 sum and m2 against
// Σ (x - mean)² in float64 around the kernel's own float32 mean, each within
// the float32 summation bound. The data sit far from zero (mean 100,
// spread 1), where one-pass Σx² - n·mean² would lose every digit.
func TestMoments(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		if s, q := Moments(nil); s != 0 || q != 0 {
			t.Errorf("Moments(empty) = %g, %g, want 0, 0", s, q)
		}
		for _, n := range testLengths[1:] {
			x := uniform(rng, n, 99, 101)
			sum, m2 := Moments(x)
			var want, mag float64
			for _, v := range x {
				want += float64(v)
				mag += math.Abs(float64(v))
			}
			if math.Abs(float64(sum)-want) > float64(n+2)*eps32*mag {
				t.Errorf("Moments n=%d sum = %g, want %g", n, sum, want)
			}
			mean := float64(sum / float32(n))
			var q float64
			for _, v := range x {
				d := float64(v) - mean
				q += d * d
			}
			if math.Abs(float64(m2)-q) > float64(n+4)*2*eps32*q+1e-30 {
				t.Errorf("Moments n=%d m2 = %g, want %g", n, m2, q)
			}
		}
	})
}

// TestSumDotDev checks both sums against float64 within the summation bound
// (one more rounding for x - m).
func TestSumDotDev(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		const m = float32(0.7)
		for _, n := range testLengths {
			y, x := uniform(rng, n, -2, 2), uniform(rng, n, -1, 3)
			var sum, sumMag, dot, dotMag float64
			for i := range y {
				sum += float64(y[i])
				sumMag += math.Abs(float64(y[i]))
				p := float64(y[i]) * (float64(x[i]) - float64(m))
				dot += p
				dotMag += math.Abs(p)
			}
			gotSum, gotDot := SumDotDev(y, x, m)
			if math.Abs(float64(gotSum)-sum) > float64(n+2)*eps32*sumMag {
				t.Errorf("SumDotDev n=%d sum = %g, want %g", n, gotSum, sum)
			}
			if math.Abs(float64(gotDot)-dot) > float64(n+3)*eps32*dotMag {
				t.Errorf("SumDotDev n=%d dot = %g, want %g", n, gotDot, dot)
			}
		}
	})
}

// TestAffineKernels checks Affine and AffinePair (both modes) against
// float64 within a few roundings of the terms' magnitudes, and that cells
// past n are not written.
func TestAffineKernels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(25, 26))
		const a, b, m, c = float32(1.3), float32(-0.45), float32(0.25), float32(0.8)
		for _, n := range testLengths {
			x, y, old := uniform(rng, n, -3, 3), uniform(rng, n, -3, 3), uniform(rng, n, -3, 3)
			dst, check := guarded(t, make([]float32, n))
			Affine(dst, x, a, m, b)
			check("Affine")
			for i, v := range x {
				ax := float64(a) * (float64(v) - float64(m))
				want, tol := ax+float64(b), 3*eps32*(math.Abs(ax)+math.Abs(float64(b)))
				if math.Abs(float64(dst[i])-want) > tol {
					t.Fatalf("Affine n=%d [%d] = %g, want %g", n, i, dst[i], want)
				}
			}
			for _, add := range []bool{false, true} {
				dst, check := guarded(t, old)
				AffinePair(dst, y, x, a, b, m, c, add)
				check("AffinePair")
				for i := range dst {
					ay, bx := float64(a)*float64(y[i]), float64(b)*(float64(x[i])-float64(m))
					want, mag := ay+bx+float64(c), math.Abs(ay)+math.Abs(bx)+math.Abs(float64(c))
					if add {
						want += float64(old[i])
						mag += math.Abs(float64(old[i]))
					}
					if math.Abs(float64(dst[i])-want) > 4*eps32*mag {
						t.Fatalf("AffinePair add=%v n=%d [%d] = %g, want %g", add, n, i, dst[i], want)
					}
				}
			}
		}
	})
}

// TestReLUKernels checks ReLU and ReLUGrad bit-exactly: +0 for -0 and
// negatives, NaN kept, gradient passed only where the output is positive
// (so not at x = 0), added to the old gradient with one rounding.
func TestReLUKernels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(27, 28))
		negZero := float32(math.Copysign(0, -1))
		nan := float32(math.NaN())
		for _, n := range testLengths {
			x := uniform(rng, n, -2, 2)
			for i := 0; i+3 < n; i += 5 { // exact zeros of both signs
				x[i], x[i+1] = 0, negZero
			}
			if n > 2 {
				x[n-2] = nan
			}
			y, check := guarded(t, make([]float32, n))
			ReLU(y, x)
			check("ReLU")
			for i, v := range x {
				want := max(v, 0)
				if math.Float32bits(y[i]) != math.Float32bits(want) && !(v != v && y[i] != y[i]) {
					t.Fatalf("ReLU n=%d [%d] of %g = %g, want %g", n, i, v, y[i], want)
				}
			}
			if n > 2 {
				y[n-2] = 1 // gradients at a NaN output are unspecified
			}
			gy, old := uniform(rng, n, -1, 1), uniform(rng, n, -1, 1)
			for _, add := range []bool{false, true} {
				gx, check := guarded(t, old)
				ReLUGrad(gx, gy, y, add)
				check("ReLUGrad")
				for i := range gx {
					want := float32(0)
					if y[i] > 0 {
						want = gy[i]
					}
					if add {
						want += old[i]
					}
					if gx[i] != want {
						t.Fatalf("ReLUGrad add=%v n=%d [%d] (y %g) = %g, want %g", add, n, i, y[i], gx[i], want)
					}
				}
			}
		}
	})
}

// TestAffineKernelsAlias checks the documented aliasing: Affine and ReLU in
// place, AffinePair overwriting its own y.
func TestAffineKernelsAlias(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(29, 30))
		x := uniform(rng, 65, -2, 2)
		y := append([]float32(nil), x...)
		Affine(y, y, 2, 0, 1)
		z := make([]float32, len(x))
		Affine(z, x, 2, 0, 1)
		p := append([]float32(nil), x...)
		AffinePair(p, p, x, 2, 0, 0, 1, false)
		r := append([]float32(nil), x...)
		ReLU(r, r)
		for i := range x {
			if y[i] != z[i] || p[i] != z[i] || r[i] != max(x[i], 0) {
				t.Fatalf("aliased [%d]: Affine %g, AffinePair %g, ReLU %g; want %g, %g, %g", i, y[i], p[i], r[i], z[i], z[i], max(x[i], 0))
			}
		}
	})
}
