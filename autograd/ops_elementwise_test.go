package autograd

import (
	"fmt"
	"testing"
)

func TestBroadcastForwardMatchesNaive(t *testing.T) {
	rng := newRNG(1)
	a := randConst(rng, -1, 1, 2, 1, 3)
	b := randConst(rng, -1, 1, 4, 1)
	g := NewTape()
	y := g.Sub(a, b)
	if !SameShape(y.Shape, []int{2, 4, 3}) {
		t.Fatalf("shape %v, want [2 4 3]", y.Shape)
	}
	for i := range 2 {
		for j := range 4 {
			for k := range 3 {
				want := a.Data[i*3+k] - b.Data[j]
				if got := y.Data[(i*4+j)*3+k]; got != want {
					t.Fatalf("y[%d,%d,%d] = %g, want %g", i, j, k, got, want)
				}
			}
		}
	}
}

func TestBinaryGradients(t *testing.T) {
	shapes := [][2][]int{
		{{3, 4}, {3, 4}},
		{{2, 3, 4}, {4}},       // bias-like
		{{2, 1, 4}, {3, 1}},    // both broadcast
		{{1}, {2, 3}},          // scalar-like a
		{{2, 3}, {}},           // true scalar b
		{{1, 1, 5}, {2, 1, 1}}, // size-1 dims everywhere
		{{3, 1}, {3, 1}},
	}
	ops := map[string]func(g *Tape, a, b *Tensor) *Tensor{
		"Add": (*Tape).Add, "Sub": (*Tape).Sub, "Mul": (*Tape).Mul, "Div": (*Tape).Div,
	}
	for name, op := range ops {
		for i, s := range shapes {
			rng := newRNG(uint64(10 + i))
			a := randParam(rng, -1, 1, s[0]...)
			b := randParam(rng, 0.5, 1.5, s[1]...) // away from 0 for Div
			checkGrad(t, fmt.Sprintf("%s %v %v", name, s[0], s[1]), []*Tensor{a, b}, func(g *Tape) *Tensor { return op(g, a, b) })
		}
	}
}

func TestScalarOpsGradients(t *testing.T) {
	rng := newRNG(2)
	a := randParam(rng, -1, 1, 3, 1, 2)
	checkGrad(t, "AddScalar", []*Tensor{a}, func(g *Tape) *Tensor { return g.AddScalar(a, 0.7) })
	checkGrad(t, "MulScalar", []*Tensor{a}, func(g *Tape) *Tensor { return g.MulScalar(a, -1.3) })
}

func TestBinaryShapePanic(t *testing.T) {
	g := NewTape()
	expectPanic(t, func() { g.Mul(Zeros(2, 3), Zeros(4, 3)) }, "autograd: Mul", "[2 3]", "[4 3]")
}

func TestBinaryLargeParallelBroadcastGrad(t *testing.T) {
	// Big enough to take the parallel path; the broadcast operand's gradient
	// must equal the column sums computed by hand.
	rng := newRNG(3)
	a := randParam(rng, -1, 1, 700, 64)
	b := randParam(rng, -1, 1, 64)
	g := NewTape()
	g.Backward(g.SumAll(g.Add(a, b)))
	for j := range 64 {
		if b.Grad[j] != 700 {
			t.Fatalf("b.Grad[%d] = %g, want 700", j, b.Grad[j])
		}
	}
	for i, v := range a.Grad {
		if v != 1 {
			t.Fatalf("a.Grad[%d] = %g, want 1", i, v)
		}
	}
}

func TestBinaryLongFlatRowSplitAcrossWorkers(t *testing.T) {
	// One merged row of 40000 elements is cut into parallel pieces; check
	// values and gradients against hand formulas.
	rng := newRNG(4)
	a := randParam(rng, -1, 1, 40000)
	b := randParam(rng, 0.5, 1.5)
	g := NewTape()
	y := g.Mul(a, b)
	var sumA float64
	for i, v := range a.Data {
		if y.Data[i] != v*b.Data[0] {
			t.Fatalf("y[%d] = %g, want %g", i, y.Data[i], v*b.Data[0])
		}
		sumA += float64(v)
	}
	g.Backward(g.SumAll(y))
	for i, v := range a.Grad {
		if v != b.Data[0] {
			t.Fatalf("a.Grad[%d] = %g, want %g", i, v, b.Data[0])
		}
	}
	if d := float64(b.Grad[0]) - sumA; d > 1e-2 || d < -1e-2 {
		t.Errorf("b.Grad = %g, want %g", b.Grad[0], sumA)
	}
}
