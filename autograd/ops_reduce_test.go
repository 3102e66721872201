package autograd

import (
	"fmt"
	"testing"
)

func TestReduceGradients(t *testing.T) {
	shapes := [][]int{{3, 4, 2}, {1, 5}, {4, 1}, {6}}
	for si, shape := range shapes {
		for axis := -1; axis < len(shape); axis++ {
			for _, keep := range []bool{false, true} {
				rng := newRNG(uint64(30 + si))
				a := randParam(rng, -1, 1, shape...)
				tag := fmt.Sprintf("%v axis %d keep %v", shape, axis, keep)
				checkGrad(t, "Sum "+tag, []*Tensor{a}, func(g *Tape) *Tensor { return g.Sum(a, axis, keep) })
				checkGrad(t, "Mean "+tag, []*Tensor{a}, func(g *Tape) *Tensor { return g.Mean(a, axis, keep) })
				checkGrad(t, "Max "+tag, []*Tensor{a}, func(g *Tape) *Tensor { return g.Max(a, axis, keep) })
			}
		}
	}
	rng := newRNG(39)
	a := randParam(rng, -1, 1, 2, 1, 3)
	checkGrad(t, "SumAll", []*Tensor{a}, func(g *Tape) *Tensor { return g.SumAll(a) })
	checkGrad(t, "MeanAll", []*Tensor{a}, func(g *Tape) *Tensor { return g.MeanAll(a) })
}

func TestReduceValues(t *testing.T) {
	g := NewTape()
	x := New([]float32{1, 5, 3, 4, 2, 6}, 2, 3)
	closeTo(t, "Sum0", g.Sum(x, 0, false).Data, []float32{5, 7, 9}, 0)
	closeTo(t, "Mean1", g.Mean(x, 1, false).Data, []float32{3, 4}, 1e-7)
	closeTo(t, "Max-1", g.Max(x, -1, true).Data, []float32{5, 6}, 0)
	if s := g.Max(x, 1, true).Shape; !SameShape(s, []int{2, 1}) {
		t.Errorf("keepDim shape %v, want [2 1]", s)
	}
	if s := g.SumAll(x); len(s.Shape) != 0 || s.Item() != 21 {
		t.Errorf("SumAll = %v %g, want [] 21", s.Shape, s.Item())
	}
}

func TestMaxTiesGradientToFirst(t *testing.T) {
	x := New([]float32{2, 7, 7}, 3)
	x.SetRequiresGrad(true)
	g := NewTape()
	g.Backward(g.SumAll(g.Max(x, 0, false)))
	closeTo(t, "grad", x.Grad, []float32{0, 1, 0}, 0)
}

func TestReduceAxisPanic(t *testing.T) {
	expectPanic(t, func() { NewTape().Sum(Zeros(2, 3), 2, false) }, "autograd: Sum", "axis 2")
}
