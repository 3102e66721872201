package autograd

import (
	"math/rand/v2"
)

// convTestRandParam is a leaf requiring gradients with values uniform in [-1, 1).
func convTestRandParam(r *rand.Rand, shape ...int) *Tensor {
	t := Param(shape...)
	for i := range t.Data {
		t.Data[i] = 2*r.Float32() - 1
	}
	return t
}

// convTestWeights returns n fixed random weights in [-1, 1).
func convTestWeights(r *rand.Rand, n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 2*r.Float32() - 1
	}
	return w
}

// convTestLoss is sum(t · weights) as a scalar, so every element of t gets a
// distinct gradient. It is written here so these tests depend only on the ops
// under test, not on the other ops of the package.
func convTestLoss(g *Tape, t *Tensor, weights []float32) *Tensor {
	if len(weights) != len(t.Data) {
		panic("convTestLoss: weights do not match tensor size")
	}
	var s float64
	for i, v := range t.Data {
		s += float64(v) * float64(weights[i])
	}
	out := g.NewTensor()
	out.Data[0] = float32(s)
	back := func() {
		dt := g.GradOf(t)
		for i, w := range weights {
			dt[i] += out.Grad[0] * w
		}
	}
	return g.Record(out, back, t)
}
