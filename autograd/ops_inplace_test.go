package autograd

import "testing"

// residualBlock is conv → BN → in-place ReLU → conv → BN, plus x, then an
// in-place add and ReLU: the pattern of a ResNet basic block.
func residualBlock(g *Tape, x, w1, w2, gamma, beta *Tensor) *Tensor {
	y := g.ReLUInPlace(g.BatchNorm2d(g.Conv2d(x, w1, nil, 1, 1), gamma, beta, nil, nil, true, 0.1, 1e-5))
	y = g.BatchNorm2d(g.Conv2d(y, w2, nil, 1, 1), gamma, beta, nil, nil, true, 0.1, 1e-5)
	return g.ReLUInPlace(g.AddInPlace(y, x))
}

func TestInPlaceBlockGradCheck(t *testing.T) {
	rng := newRNG(11)
	x := randParam(rng, -1, 1, 2, 2, 4, 4)
	w1 := randParam(rng, -0.5, 0.5, 2, 2, 3, 3)
	w2 := randParam(rng, -0.5, 0.5, 2, 2, 3, 3)
	gamma := randParam(rng, 0.5, 1.5, 2)
	beta := randParam(rng, -0.5, 0.5, 2)
	checkGrad(t, "in-place residual block", []*Tensor{x, w1, w2, gamma, beta}, func(g *Tape) *Tensor {
		return residualBlock(g, x, w1, w2, gamma, beta)
	})
}

func TestInPlaceMatchesOutOfPlace(t *testing.T) {
	rng := newRNG(12)
	x := randParam(rng, -1, 1, 3, 4, 5)
	b := randParam(rng, -1, 1, 5)
	grads := func(inPlace bool) (out []float32, dx, db []float32) {
		x.Grad, b.Grad = nil, nil
		g := NewTape()
		h := g.MulScalar(x, 2) // does not read its output: may be overwritten
		var y *Tensor
		if inPlace {
			y = g.ReLUInPlace(g.AddInPlace(g.Linear(h, randConstLike(13, 5, 5), nil), b))
		} else {
			y = g.ReLU(g.Add(g.Linear(h, randConstLike(13, 5, 5), nil), b))
		}
		out = append([]float32(nil), y.Data...)
		g.Backward(g.SumAll(g.Mul(y, y)))
		return out, x.Grad, b.Grad
	}
	o1, dx1, db1 := grads(false)
	o2, dx2, db2 := grads(true)
	for _, p := range [][2][]float32{{o1, o2}, {dx1, dx2}, {db1, db2}} {
		for i := range p[0] {
			if p[0][i] != p[1][i] {
				t.Fatalf("in-place result differs at %d: %v vs %v", i, p[1][i], p[0][i])
			}
		}
	}
}

func randConstLike(seed uint64, shape ...int) *Tensor {
	return randConst(newRNG(seed), -1, 1, shape...)
}

func TestInPlaceOverwritesOnlyWhenSafe(t *testing.T) {
	rng := newRNG(14)
	x := randParam(rng, -1, 1, 4, 8)
	w := randParam(rng, -1, 1, 8, 8)
	g := NewTape()
	shares := func(a, b *Tensor) bool { return &a.Data[0] == &b.Data[0] }

	lin := g.Linear(x, w, nil) // Linear's backward reads x and w only
	if r := g.ReLUInPlace(lin); !shares(r, lin) {
		t.Error("ReLUInPlace copied the output of Linear, which no backward reads")
	}
	e := g.Exp(x) // Exp's backward reads its output
	if r := g.ReLUInPlace(e); shares(r, e) {
		t.Error("ReLUInPlace overwrote Exp's output, which Exp's backward needs")
	}
	used := g.Linear(x, w, nil)
	g.MatMul(used, w, false, false) // a consumer that reads used in backward
	if r := g.AddInPlace(used, x); shares(r, used) {
		t.Error("AddInPlace overwrote a tensor a recorded MatMul reads")
	}
	orig := x.Data[0]
	if r := g.ReLUInPlace(x); shares(r, x) || x.Data[0] != orig {
		t.Error("ReLUInPlace overwrote a leaf")
	}
	small := g.Linear(x, w, nil)
	if r := g.AddInPlace(g.Sum(small, 0, true), small); r.Dims() != 2 || r.Dim(0) != 4 {
		t.Errorf("AddInPlace with a broadcast first operand gave %v, want [4 8]", r.Shape)
	}
}
