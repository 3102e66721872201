package autograd

import (
	"math"
	"testing"
)

func TestSoftmaxGradients(t *testing.T) {
	for i, shape := range [][]int{{3, 5}, {2, 1, 4}, {1}, {4, 1}} {
		rng := newRNG(uint64(40 + i))
		a := randParam(rng, -2, 2, shape...)
		checkGrad(t, "Softmax", []*Tensor{a}, func(g *Tape) *Tensor { return g.Softmax(a) })
		checkGrad(t, "LogSoftmax", []*Tensor{a}, func(g *Tape) *Tensor { return g.LogSoftmax(a) })
	}
}

func TestSoftmaxValuesAndStability(t *testing.T) {
	g := NewTape()
	// Large logits would overflow exp without the max shift.
	x := New([]float32{1000, 1001, 1002, 0, 0, 0}, 2, 3)
	e1, e2 := math.Exp(-1), math.Exp(-2)
	z := 1 + e1 + e2
	want := []float32{float32(e2 / z), float32(e1 / z), float32(1 / z), 1.0 / 3, 1.0 / 3, 1.0 / 3}
	closeTo(t, "Softmax", g.Softmax(x).Data, want, 1e-6)
	logWant := make([]float32, len(want))
	for i, v := range want {
		logWant[i] = float32(math.Log(float64(v)))
	}
	// x − lse with x near 1000 keeps only float32's ~6e-5 absolute precision.
	closeTo(t, "LogSoftmax", g.LogSoftmax(x).Data, logWant, 1e-5)
}

func TestCrossEntropy(t *testing.T) {
	rng := newRNG(45)
	logits := randParam(rng, -2, 2, 4, 3)
	targets := []int{0, 2, 1, 2}
	checkGrad(t, "CrossEntropy", []*Tensor{logits}, func(g *Tape) *Tensor { return g.CrossEntropy(logits, targets) })

	// Value against −mean log softmax computed in float64.
	var want float64
	for r, tg := range targets {
		row := logits.Data[r*3 : r*3+3]
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v))
		}
		want -= float64(row[tg]) - math.Log(s)
	}
	want /= 4
	got := NewTape().CrossEntropy(logits, targets)
	if len(got.Shape) != 0 || math.Abs(float64(got.Item())-want) > 1e-6 {
		t.Errorf("CrossEntropy = %v %g, want [] %g", got.Shape, got.Item(), want)
	}
	one := randParam(rng, -1, 1, 1, 1)
	checkGrad(t, "CrossEntropy 1x1", []*Tensor{one}, func(g *Tape) *Tensor { return g.CrossEntropy(one, []int{0}) })
}

func TestCrossEntropyPanics(t *testing.T) {
	g := NewTape()
	expectPanic(t, func() { g.CrossEntropy(Zeros(2, 3), []int{0}) }, "autograd: CrossEntropy", "[2 3]")
	expectPanic(t, func() { g.CrossEntropy(Zeros(2, 3), []int{0, 3}) }, "autograd: CrossEntropy", "target 3")
	expectPanic(t, func() { g.Softmax(Scalar(1)) }, "autograd: Softmax", "scalar")
}
