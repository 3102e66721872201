package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const vecGuard = float32(-999.5)

// guarded returns a copy of s inside a longer buffer whose extra cells hold
// vecGuard, and a check that those cells were not written.
func guarded(t *testing.T, s []float32) ([]float32, func(string)) {
	buf := append(append([]float32(nil), s...), vecGuard, vecGuard, vecGuard)
	return buf[:len(s)], func(op string) {
		for i, v := range buf[len(s):] {
			if v != vecGuard {
				t.Fatalf("%s n=%d wrote %g past the end (cell %d)", op, len(s), v, i)
			}
		}
	}
}

// TestReductions checks Dot and Sum against float64 sums with the float32
// summation bound |err| <= (n+2)·2^-24·Σ|terms|.
func TestReductions(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, n := range testLengths {
			x, y := uniform(rng, n, -2, 2), uniform(rng, n, -2, 2)
			var dot, dotMag, sum, sumMag float64
			for i := range x {
				dot += float64(x[i]) * float64(y[i])
				dotMag += math.Abs(float64(x[i]) * float64(y[i]))
				sum += float64(x[i])
				sumMag += math.Abs(float64(x[i]))
			}
			tol := float64(n+2) * math.Ldexp(1, -24)
			if got := Dot(x, y); math.Abs(float64(got)-dot) > tol*dotMag {
				t.Errorf("Dot n=%d = %g, want %g (bound %g)", n, got, dot, tol*dotMag)
			}
			if got := Sum(x); math.Abs(float64(got)-sum) > tol*sumMag {
				t.Errorf("Sum n=%d = %g, want %g (bound %g)", n, got, sum, tol*sumMag)
			}
		}
	})
}

func TestMax(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		if got := Max(nil); !math.IsInf(float64(got), -1) {
			t.Errorf("Max(empty) = %g, want -Inf", got)
		}
		for _, n := range testLengths[1:] {
			for _, at := range []int{0, n / 2, n - 1} {
				x := uniform(rng, n, -5, -1)
				x[at] = 7 // the max sits at the start, middle or tail
				if got := Max(x); got != 7 {
					t.Errorf("Max n=%d (max at %d) = %g, want 7", n, at, got)
				}
				x[at] = float32(math.NaN())
				if got := Max(x); got == got {
					t.Errorf("Max n=%d with NaN at %d = %g, want NaN", n, at, got)
				}
			}
		}
	})
}

// TestElementwise checks Scale, Add and Mul bit-exactly against one rounded
// float32 operation per element, and Axpy within one rounding of y + alpha·x
// (fused or not: |err| <= 2^-23·(|y| + |alpha·x|)). Cells past n must not change.
func TestElementwise(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		const alpha = float32(-1.37)
		for _, n := range testLengths {
			x, y := uniform(rng, n, -3, 3), uniform(rng, n, -3, 3)
			name := func(op string) string { return fmt.Sprintf("%s n=%d", op, n) }

			s, check := guarded(t, x)
			Scale(alpha, s)
			check("Scale")
			for i := range x {
				if s[i] != alpha*x[i] {
					t.Fatalf("%s: [%d] = %g, want %g", name("Scale"), i, s[i], alpha*x[i])
				}
			}
			for _, op := range []struct {
				name string
				f    func(dst, x, y []float32)
				ref  func(a, b float32) float32
			}{{"Add", Add, func(a, b float32) float32 { return a + b }}, {"Mul", Mul, func(a, b float32) float32 { return a * b }}} {
				d, check := guarded(t, make([]float32, n))
				op.f(d, x, y)
				check(op.name)
				for i := range x {
					if d[i] != op.ref(x[i], y[i]) {
						t.Fatalf("%s: [%d] = %g, want %g", name(op.name), i, d[i], op.ref(x[i], y[i]))
					}
				}
				xa := append([]float32(nil), x...)
				op.f(xa, xa, y) // dst aliasing x
				for i := range x {
					if xa[i] != op.ref(x[i], y[i]) {
						t.Fatalf("%s aliased: [%d] = %g, want %g", name(op.name), i, xa[i], op.ref(x[i], y[i]))
					}
				}
			}
			ya, check := guarded(t, y)
			Axpy(alpha, x, ya)
			check("Axpy")
			for i := range x {
				want := float64(y[i]) + float64(alpha)*float64(x[i])
				tol := math.Ldexp(1, -23) * (math.Abs(float64(y[i])) + math.Abs(float64(alpha)*float64(x[i])))
				if math.Abs(float64(ya[i])-want) > tol {
					t.Fatalf("%s: [%d] = %g, want %g ± %g", name("Axpy"), i, ya[i], want, tol)
				}
			}
		}
	})
}

func TestVecLengthMismatchPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Dot with lengths 3 and 2 did not panic")
		}
	}()
	Dot(make([]float32, 3), make([]float32, 2))
}
