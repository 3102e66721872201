package autograd

import (
	"math"
	"testing"
)

func TestUnaryGradients(t *testing.T) {
	ops := []struct {
		name   string
		lo, hi float32
		f      func(g *Tape, a *Tensor) *Tensor
	}{
		{"Exp", -1, 1, (*Tape).Exp},
		{"Log", 0.5, 2, (*Tape).Log},
		{"Sqrt", 0.5, 2, (*Tape).Sqrt},
		{"Tanh", -2, 2, (*Tape).Tanh},
		{"Sigmoid", -3, 3, (*Tape).Sigmoid},
		{"ReLU", -1, 1, (*Tape).ReLU},
		{"GELU", -3, 3, (*Tape).GELU},
		{"QuickGELU", -3, 3, (*Tape).QuickGELU},
		{"Pow2.5", 0.5, 2, func(g *Tape, a *Tensor) *Tensor { return g.Pow(a, 2.5) }},
		{"Pow-1", 0.5, 2, func(g *Tape, a *Tensor) *Tensor { return g.Pow(a, -1) }},
		{"Clamp", -2, 2, func(g *Tape, a *Tensor) *Tensor { return g.Clamp(a, -0.5, 0.8) }},
	}
	for _, shape := range [][]int{{4, 5}, {1, 3, 1}, {}} {
		for i, op := range ops {
			rng := newRNG(uint64(20 + i))
			a := randParam(rng, op.lo, op.hi, shape...)
			// Kinks (ReLU at 0, Clamp at its bounds) break finite differences:
			// nudge values that are within eps of one.
			for j, v := range a.Data {
				for _, k := range []float32{0, -0.5, 0.8} {
					if math.Abs(float64(v-k)) < 2*gcEps {
						a.Data[j] = k + 0.1
					}
				}
			}
			checkGrad(t, op.name, []*Tensor{a}, func(g *Tape) *Tensor { return op.f(g, a) })
		}
	}
}

func TestUnaryValues(t *testing.T) {
	g := NewTape()
	x := New([]float32{-1, 0, 0.5, 2}, 4)
	// Reference values from the definitions, in float64.
	for _, c := range []struct {
		name string
		got  *Tensor
		f    func(float64) float64
	}{
		{"GELU", g.GELU(x), func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }},
		{"QuickGELU", g.QuickGELU(x), func(v float64) float64 { return v / (1 + math.Exp(-1.702*v)) }},
		{"Sigmoid", g.Sigmoid(x), func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{"Clamp", g.Clamp(x, -0.5, 1), func(v float64) float64 { return math.Min(math.Max(v, -0.5), 1) }},
	} {
		want := make([]float32, 4)
		for i, v := range x.Data {
			want[i] = float32(c.f(float64(v)))
		}
		closeTo(t, c.name, c.got.Data, want, 1e-6)
	}
	// GELU(1) = 0.8413447; QuickGELU differs from it by under 0.02 there.
	y := g.GELU(New([]float32{1}, 1))
	closeTo(t, "GELU(1)", y.Data, []float32{0.8413447}, 1e-6)
}

func TestClampBadBoundsPanics(t *testing.T) {
	expectPanic(t, func() { NewTape().Clamp(Zeros(2), 1, 0) }, "autograd: Clamp", "[2]")
}
