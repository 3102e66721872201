package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/conv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// convSmallCases are strided convolutions the grouped path takes: odd
// sizes, batches of 1 and 3, padding, the patch embedding (k = stride) with
// and without a leftover border, 1x1 stride 2.
var convSmallCases = []convCase{
	{1, 3, 16, 16, 5, 8, 8, 0, true},  // patch embedding, batch 1
	{3, 3, 19, 13, 4, 4, 4, 0, false}, // patches with a leftover border
	{3, 5, 9, 7, 6, 3, 2, 1, true},    // strided 3x3, odd sizes
	{1, 4, 8, 8, 3, 3, 2, 1, false},   // strided 3x3, batch 1
	{5, 3, 19, 17, 2, 1, 2, 0, true},  // 1x1 stride 2, 10x9 outputs
	{4, 2, 6, 6, 3, 5, 3, 2, false},   // 5x5 stride 3, wide padding
	{3, 2, 4, 4, 2, 3, 2, 3, true},    // padding beyond the kernel: rows and columns of zeros
}

// convRun runs Conv2d forward and backward with gradient gy and returns
// y, dx, dw and db (nil for inputs without gradients).
func convRun(x, w, b *Tensor, stride, pad int, gy []float32) (y, dx, dw, db []float32) {
	x.Grad, w.Grad = nil, nil
	if b != nil {
		b.Grad = nil
	}
	g := NewTape()
	out := g.Conv2d(x, w, b, stride, pad)
	g.Backward(benchSeedGrad(g, out, gy))
	y = append([]float32(nil), out.Data...)
	if b != nil {
		db = b.Grad
	}
	return y, x.Grad, w.Grad, db
}

// The grouped path against the per-image path: forward, dx, dw and db, on
// one and two workers, with groups of two images and of the default width
// (so groups end mid-task), with and without an input gradient.
func TestConv2dGroupedMatchesPerImage(t *testing.T) {
	if !convUseGrouped(&conv.Geom{Stride: 2, OutPlane: 64}) {
		t.Fatal("the grouped path does not take a stride-2 8x8 output plane")
	}
	for _, threads := range []int{1, 2} {
		for _, groupCols := range []int{convGroupCols, 1} {
			for _, xGrad := range []bool{true, false} {
				for _, cc := range convSmallCases {
					name := fmt.Sprintf("%v/threads=%d/groupCols=%d/xgrad=%v", cc, threads, groupCols, xGrad)
					t.Run(name, func(t *testing.T) {
						oldThreads, oldCols := parallel.SetThreads(threads), convGroupCols
						// The patch path would take the k = stride cases; this test is about the grouped path.
						convPatchOn = false
						defer func() {
							parallel.SetThreads(oldThreads)
							convGroupCols, convGroupedOn, convPatchOn = oldCols, true, true
						}()
						r := rand.New(rand.NewPCG(31, uint64(cc.k*10+cc.stride)))
						x, w, b := cc.tensors(r)
						x.SetRequiresGrad(xGrad)
						oh, ow := (cc.h+2*cc.pad-cc.k)/cc.stride+1, (cc.w+2*cc.pad-cc.k)/cc.stride+1
						gy := convTestWeights(r, cc.n*cc.o*oh*ow)

						convGroupedOn = false
						wantY, wantDx, wantDw, wantDb := convRun(x, w, b, cc.stride, cc.pad, gy)
						convGroupedOn, convGroupCols = true, groupCols
						geo := conv.NewGeom(cc.c, cc.h, cc.w, cc.k, cc.k, cc.stride, cc.pad)
						if !convUseGrouped(&geo) {
							t.Fatalf("geometry %+v does not take the grouped path", geo)
						}
						gotY, gotDx, gotDw, gotDb := convRun(x, w, b, cc.stride, cc.pad, gy)
						convCompare(t, "y", gotY, wantY)
						convCompare(t, "dx", gotDx, wantDx)
						convCompare(t, "dw", gotDw, wantDw)
						convCompare(t, "db", gotDb, wantDb)
					})
				}
			}
		}
	}
}

// convCompare fails t unless got and want (either may be nil) agree to
// float32 rounding of sums of order-one terms.
func convCompare(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Fatalf("%s: got %d elements (nil %v), want %d (nil %v)", name, len(got), got == nil, len(want), want == nil)
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %g, want %g", name, i, got[i], want[i])
		}
	}
}

// Gradients of a small grouped convolution against finite differences.
func TestConv2dGroupedGradCheck(t *testing.T) {
	convPatchOn = false // the k = stride case is for the grouped path here
	defer func() { convPatchOn = true }()
	for _, cc := range []convCase{
		{3, 2, 7, 6, 3, 3, 2, 1, true},
		{2, 3, 8, 8, 2, 4, 4, 0, true},
	} {
		r := rand.New(rand.NewPCG(41, uint64(cc.k)))
		x, w, b := cc.tensors(r)
		oh, ow := (cc.h+2*cc.pad-cc.k)/cc.stride+1, (cc.w+2*cc.pad-cc.k)/cc.stride+1
		geo := conv.NewGeom(cc.c, cc.h, cc.w, cc.k, cc.k, cc.stride, cc.pad)
		if !convUseGrouped(&geo) {
			t.Fatalf("%v does not take the grouped path", cc)
		}
		weights := convTestWeights(r, cc.n*cc.o*oh*ow)
		f := func(g *Tape) *Tensor { return convTestLoss(g, g.Conv2d(x, w, b, cc.stride, cc.pad), weights) }
		if err := GradCheck(f, []*Tensor{x, w, b}, 1e-2, 1e-2, 1e-2); err != nil {
			t.Errorf("%v: %v", cc, err)
		}
	}
}

// conv.Taps' im2col and col2im against the band path's conv.Im2col and
// conv.Col2im on whole images, written into the middle of a wider matrix
// (row stride ld) whose other columns must stay untouched.
func TestConvTapsMatchBandIm2col(t *testing.T) {
	for _, cc := range append(convSmallCases, convBandCases...) {
		geo := conv.NewGeom(cc.c, cc.h, cc.w, cc.k, cc.k, cc.stride, cc.pad)
		r := rand.New(rand.NewPCG(51, uint64(cc.h)))
		x := convTestWeights(r, geo.ImageInSize)
		want := make([]float32, geo.ImageColSize)
		conv.Im2col(want, x, &geo, 0, geo.OH)

		plane, ld := geo.OutPlane, 3*geo.OutPlane
		taps := conv.NewTaps(&geo, ld)
		scratch := make([]float32, taps.PadFloats)
		col := make([]float32, geo.ColRows*ld)
		for i := range col {
			col[i] = 7 // sentinel outside the image's columns
		}
		taps.Im2col(col[plane:], x, &geo, scratch)
		for row := 0; row < geo.ColRows; row++ {
			for j := 0; j < ld; j++ {
				got := col[row*ld+j]
				if j < plane || j >= 2*plane {
					if got != 7 {
						t.Fatalf("%v: im2col wrote col[%d][%d] outside the image's columns", cc, row, j)
					}
				} else if w := want[row*plane+j-plane]; got != w {
					t.Fatalf("%v: im2col col[%d][%d] = %g, want %g", cc, row, j-plane, got, w)
				}
			}
		}

		dcol := convTestWeights(r, geo.ImageColSize)
		wantDx := convTestWeights(r, geo.ImageInSize)
		gotDx := append([]float32(nil), wantDx...)
		conv.Col2im(wantDx, dcol, &geo, 0, geo.OH)
		for row := 0; row < geo.ColRows; row++ {
			copy(col[row*ld+plane:][:plane], dcol[row*plane:(row+1)*plane])
		}
		taps.Col2im(gotDx, col[plane:], &geo, scratch, false)
		convCompare(t, fmt.Sprintf("%v col2im", cc), gotDx, wantDx)

		// overwrite: the old contents (NaN here) must not show through.
		for i := range gotDx {
			gotDx[i], wantDx[i] = float32(math.NaN()), 0
		}
		conv.Col2im(wantDx, dcol, &geo, 0, geo.OH)
		taps.Col2im(gotDx, col[plane:], &geo, scratch, true)
		convCompare(t, fmt.Sprintf("%v col2im overwrite", cc), gotDx, wantDx)
	}
}

// When the input is an activation, its gradient buffer is fresh and the
// grouped backward writes it instead of adding; it must equal the gradient
// of a leaf input, also when the activation feeds a second convolution
// (whose backward then adds).
func TestConv2dGroupedActivationInput(t *testing.T) {
	cc := convCase{3, 4, 9, 9, 5, 3, 2, 1, false}
	r := rand.New(rand.NewPCG(61, 62))
	x, w, _ := cc.tensors(r)
	gy := convTestWeights(r, cc.n*cc.o*5*5)
	_, wantDx, _, _ := convRun(x, w, nil, cc.stride, cc.pad, gy)
	g := NewTape()
	for _, uses := range []int{1, 2, 1} {
		// The tape is reused, so recycled buffers hold old values: a write
		// that should have been an add, or the reverse, shows.
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
		g.Backward(benchSeedGrad(g, sum, gy))
		want := make([]float32, len(wantDx))
		for i, v := range wantDx {
			want[i] = float32(uses) * v
		}
		convCompare(t, fmt.Sprintf("dx with %d uses", uses), x.Grad, want)
	}
}

// The shapes of BenchmarkConv2d that take the grouped path are the ones it
// was measured to win on (see convUseGrouped).
func TestConvUseGroupedShapes(t *testing.T) {
	want := map[string]bool{
		"c=64/o=128/h=32/k=1/s=2":  true, // 16x16 outputs
		"c=32/o=64/h=64/k=3/s=2":   true,
		"c=64/o=128/h=32/k=3/s=2":  true,
		"c=128/o=256/h=16/k=3/s=2": true,
		"c=3/o=256/h=64/k=8/s=8":   true,
	}
	for _, sh := range convBenchShapes {
		name := fmt.Sprintf("c=%d/o=%d/h=%d/k=%d/s=%d", sh.c, sh.o, sh.h, sh.k, sh.s)
		geo := conv.NewGeom(sh.c, sh.h, sh.h, sh.k, sh.k, sh.s, sh.p)
		if got := convUseGrouped(&geo); got != want[name] {
			t.Errorf("%s: grouped %v, want %v", name, got, want[name])
		}
	}
}
