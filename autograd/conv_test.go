package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

type convCase struct {
	n, c, h, w, o, k, stride, pad int
	bias                          bool
}

func (cc convCase) String() string {
	return fmt.Sprintf("n=%d/c=%d/h=%d/w=%d/o=%d/k=%d/s=%d/p=%d/bias=%v", cc.n, cc.c, cc.h, cc.w, cc.o, cc.k, cc.stride, cc.pad, cc.bias)
}

var convCases = []convCase{
	{1, 1, 1, 1, 1, 1, 1, 0, false},  // all size-1 dims
	{2, 3, 5, 4, 2, 1, 1, 0, true},   // direct 1x1 path
	{3, 2, 5, 5, 3, 1, 2, 0, false},  // 1x1 stride-2 projection
	{2, 2, 5, 6, 3, 3, 1, 1, true},   // 3x3 same padding
	{3, 3, 7, 5, 2, 3, 2, 1, false},  // 3x3 stride 2, odd sizes
	{1, 2, 9, 8, 2, 7, 2, 3, true},   // 7x7 stem-like
	{2, 3, 16, 8, 4, 8, 8, 0, false}, // patch embedding k8 s8
	{2, 1, 4, 4, 1, 3, 1, 2, true},   // padding larger than needed: whole rows of padding
	{4, 2, 3, 3, 2, 3, 3, 0, false},  // one output cell per image
}

// naiveConv2d is the direct 7-loop convolution in float64.
func naiveConv2d(x, w, b *Tensor, stride, pad int) []float64 {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	oh, ow := (h+2*pad-kh)/stride+1, (wd+2*pad-kw)/stride+1
	out := make([]float64, n*o*oh*ow)
	for in := 0; in < n; in++ {
		for oc := 0; oc < o; oc++ {
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					s := 0.0
					if b != nil {
						s = float64(b.Data[oc])
					}
					for ic := 0; ic < c; ic++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								iy, ix := y*stride-pad+i, xx*stride-pad+j
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += float64(x.Data[((in*c+ic)*h+iy)*wd+ix]) * float64(w.Data[((oc*c+ic)*kh+i)*kw+j])
							}
						}
					}
					out[((in*o+oc)*oh+y)*ow+xx] = s
				}
			}
		}
	}
	return out
}

func (cc convCase) tensors(r *rand.Rand) (x, w, b *Tensor) {
	x = convTestRandParam(r, cc.n, cc.c, cc.h, cc.w)
	w = convTestRandParam(r, cc.o, cc.c, cc.k, cc.k)
	if cc.bias {
		b = convTestRandParam(r, cc.o)
	}
	return x, w, b
}

// Forward against the float64 direct convolution, with one worker and two,
// so both the batch-parallel and the serial-image paths are exercised.
func TestConv2dForwardMatchesNaive(t *testing.T) {
	for _, threads := range []int{1, 2} {
		old := parallel.SetThreads(threads)
		for _, cc := range convCases {
			r := rand.New(rand.NewPCG(7, uint64(cc.c*100+cc.k)))
			x, w, b := cc.tensors(r)
			g := NewTape()
			got := g.Conv2d(x, w, b, cc.stride, cc.pad)
			want := naiveConv2d(x, w, b, cc.stride, cc.pad)
			oh, ow := (cc.h+2*cc.pad-cc.k)/cc.stride+1, (cc.w+2*cc.pad-cc.k)/cc.stride+1
			if fmt.Sprint(got.Shape) != fmt.Sprint([]int{cc.n, cc.o, oh, ow}) {
				t.Fatalf("%v threads %d: shape %v, want [%d %d %d %d]", cc, threads, got.Shape, cc.n, cc.o, oh, ow)
			}
			for i, v := range got.Data {
				// float32 sums of up to c·k·k products of values in [-1,1).
				if math.Abs(float64(v)-want[i]) > 1e-5*float64(cc.c*cc.k*cc.k) {
					t.Fatalf("%v threads %d: element %d = %g, want %g", cc, threads, i, v, want[i])
				}
			}
		}
		parallel.SetThreads(old)
	}
}

// Gradients of x, w and b against central finite differences (eps 1e-2,
// atol 1e-2, rtol 1e-2: float32 differences of sums of order one).
func TestConv2dGradCheck(t *testing.T) {
	for _, threads := range []int{1, 2} {
		old := parallel.SetThreads(threads)
		for _, cc := range convCases {
			r := rand.New(rand.NewPCG(11, uint64(cc.o*10+cc.stride)))
			x, w, b := cc.tensors(r)
			inputs := []*Tensor{x, w}
			if b != nil {
				inputs = append(inputs, b)
			}
			oh, ow := (cc.h+2*cc.pad-cc.k)/cc.stride+1, (cc.w+2*cc.pad-cc.k)/cc.stride+1
			weights := convTestWeights(r, cc.n*cc.o*oh*ow)
			f := func(g *Tape) *Tensor { return convTestLoss(g, g.Conv2d(x, w, b, cc.stride, cc.pad), weights) }
			if err := GradCheck(f, inputs, 1e-2, 1e-2, 1e-2); err != nil {
				t.Errorf("%v threads %d: %v", cc, threads, err)
			}
		}
		parallel.SetThreads(old)
	}
}

// Only the inputs that need gradients get them; a frozen weight must not
// receive one, and the input gradient must not depend on whether w is frozen.
func TestConv2dFrozenInputs(t *testing.T) {
	cc := convCase{3, 2, 6, 6, 3, 3, 2, 1, true}
	r := rand.New(rand.NewPCG(3, 4))
	x, w, b := cc.tensors(r)
	weights := convTestWeights(r, 3*3*3*3)
	run := func() []float32 {
		x.Grad, w.Grad, b.Grad = nil, nil, nil
		g := NewTape()
		g.Backward(convTestLoss(g, g.Conv2d(x, w, b, 2, 1), weights))
		return append([]float32(nil), x.Grad...)
	}
	full := run()
	w.SetRequiresGrad(false)
	b.SetRequiresGrad(false)
	frozen := run()
	if w.Grad != nil || b.Grad != nil {
		t.Fatalf("frozen w/b received gradients")
	}
	for i := range full {
		if full[i] != frozen[i] {
			t.Fatalf("dx[%d] = %g with w frozen, %g with w trainable", i, frozen[i], full[i])
		}
	}
}

// A second step on a reset tape must give identical results (scratch reuse
// must not leak state between steps).
func TestConv2dRepeatableAcrossReset(t *testing.T) {
	cc := convCase{4, 3, 8, 8, 4, 3, 1, 1, false}
	r := rand.New(rand.NewPCG(5, 6))
	x, w, _ := cc.tensors(r)
	weights := convTestWeights(r, 4*4*8*8)
	g := NewTape()
	var first []float32
	for step := 0; step < 2; step++ {
		w.ZeroGrad()
		x.ZeroGrad()
		g.Backward(convTestLoss(g, g.Conv2d(x, w, nil, 1, 1), weights))
		if step == 0 {
			first = append([]float32(nil), w.Grad...)
		} else {
			for i := range first {
				if first[i] != w.Grad[i] {
					t.Fatalf("step 2 dw[%d] = %g, step 1 gave %g", i, w.Grad[i], first[i])
				}
			}
		}
		g.Reset()
	}
}

func TestConv2dBadShapesPanic(t *testing.T) {
	x := Zeros(1, 3, 4, 4)
	for name, f := range map[string]func(g *Tape){
		"channels":   func(g *Tape) { g.Conv2d(x, Zeros(2, 2, 3, 3), nil, 1, 1) },
		"kernel":     func(g *Tape) { g.Conv2d(x, Zeros(2, 3, 7, 7), nil, 1, 1) },
		"bias":       func(g *Tape) { g.Conv2d(x, Zeros(2, 3, 3, 3), Zeros(3), 1, 1) },
		"stride":     func(g *Tape) { g.Conv2d(x, Zeros(2, 3, 3, 3), nil, 0, 1) },
		"dims":       func(g *Tape) { g.Conv2d(Zeros(3, 4, 4), Zeros(2, 3, 3, 3), nil, 1, 1) },
		"negpadding": func(g *Tape) { g.Conv2d(x, Zeros(2, 3, 3, 3), nil, 1, -1) },
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
