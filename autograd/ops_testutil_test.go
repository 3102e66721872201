package autograd

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Finite differences run in float32 with step gcEps, so tolerances are loose
// but still catch any wrong formula (errors of a wrong gradient are O(1)).
const (
	gcEps  = 1e-2
	gcAtol = 2e-2
	gcRtol = 2e-2
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// randParam is a trainable leaf with values uniform in [lo, hi).
func randParam(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	t := Param(shape...)
	for i := range t.Data {
		t.Data[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

// randConst is like randParam but does not require gradients.
func randConst(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	t := randParam(rng, lo, hi, shape...)
	t.SetRequiresGrad(false)
	return t
}

// checkGrad finite-difference checks op through the scalar Σ w⊙op(...)
// with fixed random weights w, so every output element matters with a
// different weight.
func checkGrad(t *testing.T, name string, inputs []*Tensor, op func(g *Tape) *Tensor) {
	t.Helper()
	checkGradTol(t, name, inputs, gcAtol, gcRtol, op)
}

func checkGradTol(t *testing.T, name string, inputs []*Tensor, atol, rtol float64, op func(g *Tape) *Tensor) {
	t.Helper()
	var w *Tensor
	rng := newRNG(99)
	f := func(g *Tape) *Tensor {
		y := op(g)
		if w == nil {
			w = randConst(rng, -1, 1, y.Shape...)
		}
		return g.SumAll(g.Mul(y, w))
	}
	if err := GradCheck(f, inputs, gcEps, atol, rtol); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// expectPanic runs fn and checks the panic message contains every part.
func expectPanic(t *testing.T, fn func(), parts ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one mentioning %q", parts)
			return
		}
		msg, _ := r.(string)
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Errorf("panic %q does not mention %q", msg, p)
			}
		}
	}()
	fn()
}

// closeTo compares two slices elementwise with an absolute+relative tolerance.
func closeTo(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: element %d = %g, want %g", name, i, got[i], want[i])
		}
	}
}
