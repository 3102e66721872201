package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/conv"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// convPatchCases take the patch path (kernel = stride, no padding): the
// ViT's 8x8 patches on odd batch sizes, leftover borders (h, w not
// multiples of k), non-8 kernels (the generic run copy), one patch per
// image.
var convPatchCases = []convCase{
	{1, 3, 24, 24, 5, 8, 8, 0, true},
	{3, 3, 24, 24, 5, 8, 8, 0, false},
	{5, 3, 24, 24, 4, 8, 8, 0, true},
	{3, 3, 27, 25, 6, 8, 8, 0, false}, // 3x3 patches, a leftover border
	{5, 2, 13, 11, 3, 4, 4, 0, true},  // k=4, a leftover border
	{4, 3, 9, 9, 7, 3, 3, 0, false},   // k=3
	{3, 1, 5, 6, 2, 2, 2, 0, true},    // k=2, odd width
	{2, 2, 8, 8, 3, 8, 8, 0, true},    // one patch per image
}

// convPathSet turns the patch and grouped paths on or off for one run.
func convPathSet(patch, grouped bool) { convPatchOn, convGroupedOn = patch, grouped }

// The patch path against the per-image path and the grouped path:
// forward, dx, dw and db, on one and two workers, with and without an
// input gradient, with backward groups of the default depth, of one image
// and of two (so tasks hold several groups and groups end mid-task).
func TestConv2dPatchMatchesOtherPaths(t *testing.T) {
	for _, threads := range []int{1, 2} {
		for _, groupImages := range []int{0, 1, 2} {
			for _, xGrad := range []bool{true, false} {
				for _, cc := range convPatchCases {
					name := fmt.Sprintf("%v/threads=%d/groupImages=%d/xgrad=%v", cc, threads, groupImages, xGrad)
					t.Run(name, func(t *testing.T) { testConvPatchMatches(t, cc, threads, groupImages, xGrad) })
				}
			}
		}
	}
}

// testConvPatchMatches is one case of TestConv2dPatchMatchesOtherPaths;
// groupImages 0 keeps the default group depth.
func testConvPatchMatches(t *testing.T, cc convCase, threads, groupImages int, xGrad bool) {
	old, oldCols := parallel.SetThreads(threads), convPatchGroupCols
	defer func() { parallel.SetThreads(old); convPathSet(true, true); convPatchGroupCols = oldCols }()
	geo := conv.NewGeom(cc.c, cc.h, cc.w, cc.k, cc.k, cc.stride, cc.pad)
	if !convUsePatch(&geo) {
		t.Fatalf("geometry %+v does not take the patch path", geo)
	}
	if groupImages > 0 {
		convPatchGroupCols = groupImages * geo.OutPlane
	}
	r := rand.New(rand.NewPCG(71, uint64(cc.n*100+cc.k)))
	x, w, b := cc.tensors(r)
	x.SetRequiresGrad(xGrad)
	gy := convTestWeights(r, cc.n*cc.o*geo.OutPlane)

	convPathSet(true, true)
	gotY, gotDx, gotDw, gotDb := convRun(x, w, b, cc.stride, cc.pad, gy)
	for _, other := range []struct {
		name    string
		grouped bool
	}{{"per-image", false}, {"grouped", true}} {
		convPathSet(false, other.grouped)
		wantY, wantDx, wantDw, wantDb := convRun(x, w, b, cc.stride, cc.pad, gy)
		convCompare(t, other.name+" y", gotY, wantY)
		convCompare(t, other.name+" dx", gotDx, wantDx)
		convCompare(t, other.name+" dw", gotDw, wantDw)
		convCompare(t, other.name+" db", gotDb, wantDb)
	}
}

// The forward pass against the float64 direct loops.
func TestConv2dPatchForwardMatchesNaive(t *testing.T) {
	for _, threads := range []int{1, 2} {
		old := parallel.SetThreads(threads)
		for _, cc := range convPatchCases {
			r := rand.New(rand.NewPCG(73, uint64(cc.h)))
			x, w, b := cc.tensors(r)
			got := NewTape().Conv2d(x, w, b, cc.stride, cc.pad)
			want := naiveConv2d(x, w, b, cc.stride, cc.pad)
			convCompare(t, fmt.Sprintf("%v threads %d", cc, threads), got.Data, convFloat32s(want))
		}
		parallel.SetThreads(old)
	}
}

func convFloat32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = float32(f)
	}
	return out
}

// Gradients against finite differences, including the leftover border
// (whose input gradient must be zero).
func TestConv2dPatchGradCheck(t *testing.T) {
	for _, cc := range []convCase{
		{3, 2, 9, 10, 3, 4, 4, 0, true},
		{2, 3, 16, 16, 2, 8, 8, 0, false},
	} {
		r := rand.New(rand.NewPCG(79, uint64(cc.k)))
		x, w, b := cc.tensors(r)
		inputs := []*Tensor{x, w}
		if b != nil {
			inputs = append(inputs, b)
		}
		geo := conv.NewGeom(cc.c, cc.h, cc.w, cc.k, cc.k, cc.stride, cc.pad)
		weights := convTestWeights(r, cc.n*cc.o*geo.OutPlane)
		f := func(g *Tape) *Tensor { return convTestLoss(g, g.Conv2d(x, w, b, cc.stride, cc.pad), weights) }
		if err := GradCheck(f, inputs, 1e-2, 1e-2, 1e-2); err != nil {
			t.Errorf("%v: %v", cc, err)
		}
	}
}

// Gradients accumulate: two backward passes without clearing give twice
// one pass's dw, db and dx, on two workers (where the second task's dW is a
// partial summed in afterwards).
func TestConv2dPatchAccumulates(t *testing.T) {
	old := parallel.SetThreads(2)
	defer parallel.SetThreads(old)
	cc := convCase{5, 3, 24, 20, 4, 8, 8, 0, true}
	r := rand.New(rand.NewPCG(83, 84))
	x, w, b := cc.tensors(r)
	gy := convTestWeights(r, cc.n*cc.o*3*2)
	_, dx1, dw1, db1 := convRun(x, w, b, cc.stride, cc.pad, gy)
	dx1, dw1, db1 = append([]float32(nil), dx1...), append([]float32(nil), dw1...), append([]float32(nil), db1...)
	x.Grad, w.Grad, b.Grad = nil, nil, nil
	g := NewTape()
	for range 2 {
		g.Backward(benchSeedGrad(g, g.Conv2d(x, w, b, cc.stride, cc.pad), gy))
		g.Reset()
	}
	for name, pair := range map[string][2][]float32{"dx": {x.Grad, dx1}, "dw": {w.Grad, dw1}, "db": {b.Grad, db1}} {
		want := make([]float32, len(pair[1]))
		for i, v := range pair[1] {
			want[i] = 2 * v
		}
		convCompare(t, name, pair[0], want)
	}
}

// An activation input gets a fresh gradient buffer that the backward
// writes instead of adding to; with a leftover border the uncovered pixels
// must come out zero, not whatever the recycled buffer held.
func TestConv2dPatchActivationInput(t *testing.T) {
	for _, threads := range []int{1, 2} {
		old := parallel.SetThreads(threads)
		cc := convCase{3, 2, 19, 18, 3, 4, 4, 0, false}
		r := rand.New(rand.NewPCG(89, 90))
		x, w, _ := cc.tensors(r)
		gy := convTestWeights(r, cc.n*cc.o*4*4)
		_, wantDx, _, _ := convRun(x, w, nil, cc.stride, cc.pad, gy)
		wantDx = append([]float32(nil), wantDx...)
		g := NewTape()
		for _, uses := range []int{1, 2, 1} {
			x.Grad, w.Grad = nil, nil
			g.Reset()
			act := g.AddScalar(x, 0) // an intermediate equal to x
			var sum *Tensor
			for u := 0; u < uses; u++ {
				y := g.Conv2d(act, w, nil, cc.stride, cc.pad)
				if sum == nil {
					sum = y
				} else {
					sum = g.Add(sum, y)
				}
			}
			// Dirty the tape's recycled buffers so a missed clear shows.
			junk := g.AllocNoZero(len(x.Data))
			for i := range junk {
				junk[i] = 1e3
			}
			g.recycle(junk)
			g.Backward(benchSeedGrad(g, sum, gy))
			want := make([]float32, len(wantDx))
			for i, v := range wantDx {
				want[i] = float32(uses) * v
			}
			convCompare(t, fmt.Sprintf("threads %d: dx with %d uses", threads, uses), x.Grad, want)
		}
		parallel.SetThreads(old)
	}
}

// Which geometries take the patch path.
func TestConvUsePatch(t *testing.T) {
	for _, tc := range []struct {
		k, s, p int
		want    bool
	}{{8, 8, 0, true}, {4, 4, 0, true}, {2, 2, 0, true}, {1, 1, 0, false}, {8, 8, 1, false}, {3, 2, 1, false}, {2, 3, 0, false}} {
		geo := conv.NewGeom(3, 24, 24, tc.k, tc.k, tc.s, tc.p)
		if got := convUsePatch(&geo); got != tc.want {
			t.Errorf("k=%d s=%d p=%d: patch path %v, want %v", tc.k, tc.s, tc.p, got, tc.want)
		}
	}
}
