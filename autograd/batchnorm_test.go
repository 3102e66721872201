package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bnTestReference computes training-mode batch norm and the running-stat
// update in float64 by the textbook formulas.
func bnTestReference(x *Tensor, gamma, beta []float32, runMean, runVar []float64, momentum, eps float64) []float64 {
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	out := make([]float64, len(x.Data))
	m := float64(n * plane)
	for ch := 0; ch < c; ch++ {
		var s, q float64
		for img := 0; img < n; img++ {
			for i := 0; i < plane; i++ {
				s += float64(x.Data[(img*c+ch)*plane+i])
			}
		}
		mean := s / m
		for img := 0; img < n; img++ {
			for i := 0; i < plane; i++ {
				d := float64(x.Data[(img*c+ch)*plane+i]) - mean
				q += d * d
			}
		}
		variance := q / m
		runMean[ch] = (1-momentum)*runMean[ch] + momentum*mean
		runVar[ch] = (1-momentum)*runVar[ch] + momentum*q/(m-1)
		for img := 0; img < n; img++ {
			for i := 0; i < plane; i++ {
				k := (img*c+ch)*plane + i
				out[k] = (float64(x.Data[k])-mean)/math.Sqrt(variance+eps)*float64(gamma[ch]) + float64(beta[ch])
			}
		}
	}
	return out
}

func TestBatchNorm2dTrainingForwardAndRunningStats(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	x := convTestRandParam(r, 3, 4, 5, 2)
	for i := range x.Data {
		x.Data[i] = 3*x.Data[i] + 2 // mean away from zero, variance away from one
	}
	gamma, beta := convTestRandParam(r, 4), convTestRandParam(r, 4)
	runMean, runVar := []float32{0.5, 0, -1, 2}, []float32{1, 2, 0.5, 1}
	refMean, refVar := make([]float64, 4), make([]float64, 4)
	for i := range runMean {
		refMean[i], refVar[i] = float64(runMean[i]), float64(runVar[i])
	}
	want := bnTestReference(x, gamma.Data, beta.Data, refMean, refVar, 0.1, 1e-5)
	g := NewTape()
	y := g.BatchNorm2d(x, gamma, beta, runMean, runVar, true, 0.1, 1e-5)
	for i, v := range y.Data {
		if math.Abs(float64(v)-want[i]) > 1e-5 {
			t.Fatalf("y[%d] = %g, want %g", i, v, want[i])
		}
	}
	for i := range runMean {
		if math.Abs(float64(runMean[i])-refMean[i]) > 1e-5 || math.Abs(float64(runVar[i])-refVar[i]) > 1e-5 {
			t.Fatalf("running stats channel %d = (%g, %g), want (%g, %g)", i, runMean[i], runVar[i], refMean[i], refVar[i])
		}
	}
}

func TestBatchNorm2dEvalForward(t *testing.T) {
	x := New([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2)
	gamma, beta := New([]float32{2, -1}, 2), New([]float32{0.5, 1}, 2)
	runMean, runVar := []float32{1, -2}, []float32{4, 0.25}
	g := NewTape()
	y := g.BatchNorm2d(x, gamma, beta, runMean, runVar, false, 0.1, 0)
	// channel 0: (x-1)/2·2+0.5; channel 1: (x+2)/0.5·(-1)+1
	want := []float32{0.5, 1.5, -9, -11, 4.5, 5.5, -17, -19}
	for i := range want {
		if math.Abs(float64(y.Data[i]-want[i])) > 1e-6 {
			t.Fatalf("eval y = %v, want %v", y.Data, want)
		}
	}
	if runMean[0] != 1 || runVar[1] != 0.25 {
		t.Fatalf("eval mode changed running stats: %v %v", runMean, runVar)
	}
}

// Finite differences for x, gamma and beta in both modes; float32 values of
// order one, eps 1e-2: atol 2e-2, rtol 2e-2 (training-mode normalisation
// divides by a batch standard deviation, which amplifies rounding).
func TestBatchNorm2dGradCheck(t *testing.T) {
	for _, training := range []bool{true, false} {
		for _, shape := range [][]int{{2, 3, 2, 2}, {1, 2, 3, 1}, {4, 1, 1, 1}, {3, 2, 1, 2}} {
			r := rand.New(rand.NewPCG(10, uint64(shape[0]*10+shape[1])))
			x := convTestRandParam(r, shape...)
			gamma, beta := convTestRandParam(r, shape[1]), convTestRandParam(r, shape[1])
			runMean, runVar := make([]float32, shape[1]), make([]float32, shape[1])
			for i := range runVar {
				runMean[i], runVar[i] = 0.3*r.Float32(), 0.5+r.Float32()
			}
			weights := convTestWeights(r, len(x.Data))
			f := func(g *Tape) *Tensor {
				return convTestLoss(g, g.BatchNorm2d(x, gamma, beta, runMean, runVar, training, 0.1, 1e-5), weights)
			}
			if err := GradCheck(f, []*Tensor{x, gamma, beta}, 1e-2, 2e-2, 2e-2); err != nil {
				t.Errorf("training %v shape %v: %v", training, shape, err)
			}
		}
	}
}

// Without affine parameters the output of training mode has zero mean and
// unit (biased) variance per channel.
func TestBatchNorm2dNoAffineNormalises(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	x := convTestRandParam(r, 4, 3, 3, 3)
	g := NewTape()
	y := g.BatchNorm2d(x, nil, nil, nil, nil, true, 0.1, 0)
	for ch := 0; ch < 3; ch++ {
		var s, q float64
		for img := 0; img < 4; img++ {
			for _, v := range y.Data[(img*3+ch)*9 : (img*3+ch+1)*9] {
				s += float64(v)
				q += float64(v) * float64(v)
			}
		}
		if math.Abs(s/36) > 1e-5 || math.Abs(q/36-1) > 1e-4 {
			t.Fatalf("channel %d: mean %g, variance %g; want 0 and 1", ch, s/36, q/36)
		}
	}
}

func TestBatchNorm2dBadArgsPanic(t *testing.T) {
	x := Zeros(2, 3, 2, 2)
	for name, f := range map[string]func(g *Tape){
		"gamma size":     func(g *Tape) { g.BatchNorm2d(x, Zeros(2), nil, nil, nil, true, 0.1, 1e-5) },
		"running size":   func(g *Tape) { g.BatchNorm2d(x, nil, nil, make([]float32, 2), nil, true, 0.1, 1e-5) },
		"eval no stats":  func(g *Tape) { g.BatchNorm2d(x, nil, nil, nil, nil, false, 0.1, 1e-5) },
		"one value":      func(g *Tape) { g.BatchNorm2d(Zeros(1, 3, 1, 1), nil, nil, nil, nil, true, 0.1, 1e-5) },
		"not 4-D tensor": func(g *Tape) { g.BatchNorm2d(Zeros(2, 3), nil, nil, nil, nil, true, 0.1, 1e-5) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(NewTape())
		}()
	}
}
