package autograd

import "testing"

func TestReshape(t *testing.T) {
	rng := newRNG(60)
	x := randParam(rng, -1, 1, 2, 3, 4)
	g := NewTape()
	y := g.Reshape(x, 4, -1)
	if !SameShape(y.Shape, []int{4, 6}) || &y.Data[0] != &x.Data[0] {
		t.Fatalf("Reshape: shape %v or data not shared", y.Shape)
	}
	checkGrad(t, "Reshape", []*Tensor{x}, func(g *Tape) *Tensor { return g.Exp(g.Reshape(x, 6, 1, 4)) })
	// Reshape of an intermediate, consumed twice.
	checkGrad(t, "Reshape chain", []*Tensor{x}, func(g *Tape) *Tensor {
		h := g.Tanh(x)
		r := g.Reshape(h, -1)
		return g.Add(g.Mul(r, r), g.Reshape(g.Sum(h, 0, false), -1, 1))
	})
	expectPanic(t, func() { g.Reshape(x, 5, -1) }, "autograd: Reshape", "[5 -1]", "[2 3 4]")
	expectPanic(t, func() { g.Reshape(x, 2, 2) }, "autograd: Reshape", "[2 2]")
}

func TestPermuteValues(t *testing.T) {
	x := New([]float32{0, 1, 2, 3, 4, 5}, 1, 2, 3)
	g := NewTape()
	y := g.Permute(x, 2, 0, 1) // [3,1,2]: y[k,0,j] = x[0,j,k]
	closeTo(t, "Permute", y.Data, []float32{0, 3, 1, 4, 2, 5}, 0)
	if !SameShape(y.Shape, []int{3, 1, 2}) {
		t.Errorf("shape %v, want [3 1 2]", y.Shape)
	}
	z := g.Transpose(New([]float32{1, 2, 3, 4, 5, 6}, 2, 3), 0, -1)
	closeTo(t, "Transpose", z.Data, []float32{1, 4, 2, 5, 3, 6}, 0)
	expectPanic(t, func() { g.Permute(x, 0, 0, 1) }, "autograd: Permute", "[0 0 1]", "[1 2 3]")
}

func TestShapeGradients(t *testing.T) {
	rng := newRNG(61)
	x := randParam(rng, -1, 1, 2, 3, 4)
	one := randParam(rng, -1, 1, 1, 3, 1)
	checkGrad(t, "Permute", []*Tensor{x}, func(g *Tape) *Tensor { return g.Permute(x, 1, 2, 0) })
	checkGrad(t, "Transpose", []*Tensor{x}, func(g *Tape) *Tensor { return g.Transpose(x, 0, 2) })
	checkGrad(t, "Transpose size-1", []*Tensor{one}, func(g *Tape) *Tensor { return g.Transpose(one, 0, 1) })
	for axis := range 3 {
		checkGrad(t, "Slice", []*Tensor{x}, func(g *Tape) *Tensor { return g.Slice(x, axis, 1, 2) })
	}
	b := randParam(rng, -1, 1, 2, 1, 4)
	c := randParam(rng, -1, 1, 2, 2, 4)
	checkGrad(t, "Concat", []*Tensor{x, b, c}, func(g *Tape) *Tensor { return g.Concat(1, x, b, c) })
	checkGrad(t, "Concat last", []*Tensor{x}, func(g *Tape) *Tensor { return g.Concat(-1, x, x) })
}

func TestConcatSliceValues(t *testing.T) {
	g := NewTape()
	a := New([]float32{1, 2, 3, 4}, 2, 2)
	b := New([]float32{5, 6}, 2, 1)
	y := g.Concat(1, a, b)
	closeTo(t, "Concat", y.Data, []float32{1, 2, 5, 3, 4, 6}, 0)
	closeTo(t, "Slice", g.Slice(y, 1, 1, 3).Data, []float32{2, 5, 4, 6}, 0)
	if s := g.Slice(y, 0, 1, 1).Shape; !SameShape(s, []int{0, 3}) {
		t.Errorf("empty slice shape %v, want [0 3]", s)
	}
	expectPanic(t, func() { g.Concat(0, a, b) }, "autograd: Concat", "[2 1]", "[2 2]")
	expectPanic(t, func() { g.Slice(y, 1, 2, 4) }, "autograd: Slice", "[2 3]")
}

func TestEmbeddingAndGather(t *testing.T) {
	rng := newRNG(62)
	w := randParam(rng, -1, 1, 5, 3)
	ids := []int{4, 0, 4, 2} // repeated id: gradients must add up
	checkGrad(t, "Embedding", []*Tensor{w}, func(g *Tape) *Tensor { return g.Embedding(w, ids) })
	y := NewTape().Embedding(w, ids)
	closeTo(t, "Embedding row", y.Data[3:6], w.Data[0:3], 0)

	x := randParam(rng, -1, 1, 3, 4, 2)
	idx := []int{3, 0, 1}
	checkGrad(t, "Gather", []*Tensor{x}, func(g *Tape) *Tensor { return g.Gather(x, idx) })
	z := NewTape().Gather(x, idx)
	closeTo(t, "Gather row", z.Data[0:2], x.Data[6:8], 0)

	g := NewTape()
	expectPanic(t, func() { g.Embedding(w, []int{5}) }, "autograd: Embedding", "[5 3]")
	expectPanic(t, func() { g.Gather(x, []int{0, 4, 0}) }, "autograd: Gather", "[3 4 2]")
}
