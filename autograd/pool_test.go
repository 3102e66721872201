package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// poolTestDistinct fills a leaf with a random permutation of 0.1·(0..n-1)
// shifted to be centred, so window maxima are unique and at least 0.1 apart:
// finite differences with eps 1e-2 never flip an argmax.
func poolTestDistinct(r *rand.Rand, shape ...int) *Tensor {
	t := Param(shape...)
	for i, p := range r.Perm(len(t.Data)) {
		t.Data[i] = 0.1*float32(p) - 0.05*float32(len(t.Data))
	}
	return t
}

func TestAvgPool2dForwardAndGrad(t *testing.T) {
	x := New([]float32{
		1, 2, 3, 4, 5,
		6, 7, 8, 9, 10,
		11, 12, 13, 14, 15,
	}, 1, 1, 3, 5)
	g := NewTape()
	y := g.AvgPool2d(x, 2, 2)
	// Windows (rows 0-1) x (cols 0-1, 2-3); the last row and column are dropped.
	want := []float32{(1 + 2 + 6 + 7) / 4.0, (3 + 4 + 8 + 9) / 4.0}
	if len(y.Data) != 2 || y.Shape[2] != 1 || y.Shape[3] != 2 || y.Data[0] != want[0] || y.Data[1] != want[1] {
		t.Fatalf("AvgPool2d = %v %v, want [1 1 1 2] %v", y.Shape, y.Data, want)
	}
	for _, tc := range []struct{ n, c, h, w, k, s int }{{1, 1, 1, 1, 1, 1}, {2, 3, 5, 6, 2, 2}, {1, 2, 7, 7, 3, 2}, {2, 1, 4, 5, 3, 1}} {
		r := rand.New(rand.NewPCG(1, uint64(tc.k*10+tc.s)))
		x := convTestRandParam(r, tc.n, tc.c, tc.h, tc.w)
		oh, ow := (tc.h-tc.k)/tc.s+1, (tc.w-tc.k)/tc.s+1
		weights := convTestWeights(r, tc.n*tc.c*oh*ow)
		f := func(g *Tape) *Tensor { return convTestLoss(g, g.AvgPool2d(x, tc.k, tc.s), weights) }
		// The op is linear, so float32 differences are accurate: atol 1e-3, rtol 1e-2.
		if err := GradCheck(f, []*Tensor{x}, 1e-2, 1e-3, 1e-2); err != nil {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

func TestMaxPool2dForward(t *testing.T) {
	x := New([]float32{
		1, 9, 3, 4,
		5, 6, 7, 8,
		-1, -2, -3, -4,
	}, 1, 1, 3, 4)
	g := NewTape()
	// k3 s2 p1: windows centred on (0,0), (0,2), (2,0), (2,2), padding ignored.
	y := g.MaxPool2d(x, 3, 2, 1)
	want := []float32{9, 9, 6, 8}
	if y.Shape[2] != 2 || y.Shape[3] != 2 {
		t.Fatalf("MaxPool2d shape %v, want [1 1 2 2]", y.Shape)
	}
	for i := range want {
		if y.Data[i] != want[i] {
			t.Fatalf("MaxPool2d = %v, want %v", y.Data, want)
		}
	}
	nan := float32(math.NaN())
	y = g.MaxPool2d(New([]float32{1, nan, 3, 4}, 1, 1, 2, 2), 2, 2, 0)
	if !math.IsNaN(float64(y.Data[0])) {
		t.Fatalf("MaxPool2d over a NaN = %v, want NaN", y.Data[0])
	}
}

func TestMaxPool2dGradCheck(t *testing.T) {
	for _, tc := range []struct{ n, c, h, w, k, s, p int }{
		{1, 1, 1, 1, 1, 1, 0}, {2, 2, 5, 6, 2, 2, 0}, {1, 3, 7, 7, 3, 2, 1}, {2, 1, 4, 5, 3, 1, 1}, {1, 2, 6, 6, 2, 1, 1},
	} {
		r := rand.New(rand.NewPCG(2, uint64(tc.k*10+tc.s+tc.p)))
		x := poolTestDistinct(r, tc.n, tc.c, tc.h, tc.w)
		oh, ow := (tc.h+2*tc.p-tc.k)/tc.s+1, (tc.w+2*tc.p-tc.k)/tc.s+1
		weights := convTestWeights(r, tc.n*tc.c*oh*ow)
		f := func(g *Tape) *Tensor { return convTestLoss(g, g.MaxPool2d(x, tc.k, tc.s, tc.p), weights) }
		// Piecewise linear with unique maxima: atol 1e-3, rtol 1e-2.
		if err := GradCheck(f, []*Tensor{x}, 1e-2, 1e-3, 1e-2); err != nil {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

func TestGlobalAvgPool(t *testing.T) {
	x := New([]float32{1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2)
	g := NewTape()
	y := g.GlobalAvgPool(x)
	if y.Shape[0] != 1 || y.Shape[1] != 2 || y.Data[0] != 2.5 || y.Data[1] != 25 {
		t.Fatalf("GlobalAvgPool = %v %v, want [1 2] [2.5 25]", y.Shape, y.Data)
	}
	for _, shape := range [][]int{{1, 1, 1, 1}, {3, 2, 4, 5}, {2, 5, 1, 3}} {
		r := rand.New(rand.NewPCG(4, uint64(shape[0])))
		x := convTestRandParam(r, shape...)
		weights := convTestWeights(r, shape[0]*shape[1])
		f := func(g *Tape) *Tensor { return convTestLoss(g, g.GlobalAvgPool(x), weights) }
		if err := GradCheck(f, []*Tensor{x}, 1e-2, 1e-3, 1e-2); err != nil {
			t.Errorf("%v: %v", shape, err)
		}
	}
}

func TestPoolBadArgsPanic(t *testing.T) {
	x := Zeros(1, 1, 4, 4)
	for name, f := range map[string]func(g *Tape){
		"avg kernel too big": func(g *Tape) { g.AvgPool2d(x, 5, 1) },
		"avg stride 0":       func(g *Tape) { g.AvgPool2d(x, 2, 0) },
		"max pad > k/2":      func(g *Tape) { g.MaxPool2d(x, 2, 1, 2) },
		"max 3-D":            func(g *Tape) { g.MaxPool2d(Zeros(1, 4, 4), 2, 2, 0) },
		"global 2-D":         func(g *Tape) { g.GlobalAvgPool(Zeros(4, 4)) },
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
