package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/conv"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

// BenchmarkConvSmallCols times the grouped path's im2col and col2im for one
// image of the shapes it serves (4 images side by side, as in a group of
// 256 columns), in CPU nanoseconds per im2col element.
func BenchmarkConvSmallCols(b *testing.B) {
	for _, sh := range []struct{ c, h, k, s, p int }{{128, 16, 3, 2, 1}, {3, 64, 8, 8, 0}, {128, 16, 1, 2, 0}} {
		geo := conv.NewGeom(sh.c, sh.h, sh.h, sh.k, sh.k, sh.s, sh.p)
		r := rand.New(rand.NewPCG(1, 2))
		x := convTestWeights(r, geo.ImageInSize)
		ld := 4 * geo.OutPlane
		col := make([]float32, geo.ColRows*ld)
		taps := conv.NewTaps(&geo, ld)
		pad := make([]float32, taps.PadFloats)
		name := fmt.Sprintf("c=%d/h=%d/k=%d/s=%d", sh.c, sh.h, sh.k, sh.s)
		b.Run("im2col/"+name, func(b *testing.B) {
			cpu0 := cputime.Seconds()
			for b.Loop() {
				taps.Im2col(col[geo.OutPlane:], x, &geo, pad)
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e9/float64(b.N)/float64(geo.ImageColSize), "cpu-ns/elem")
		})
		b.Run("col2im/"+name, func(b *testing.B) {
			cpu0 := cputime.Seconds()
			for b.Loop() {
				taps.Col2im(x, col[geo.OutPlane:], &geo, pad, false)
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e9/float64(b.N)/float64(geo.ImageColSize), "cpu-ns/elem")
		})
	}
}

// BenchmarkConvGroupCols times a forward and backward pass of the grouped
// shapes at batch 128 for several group widths (convGroupCols); 0 is the
// per-image path.
func BenchmarkConvGroupCols(b *testing.B) {
	for _, sh := range []struct{ c, o, h, k, s, p int }{{128, 256, 16, 3, 2, 1}, {3, 256, 64, 8, 8, 0}, {128, 256, 16, 1, 2, 0}, {64, 128, 32, 3, 2, 1}, {64, 128, 32, 1, 2, 0}, {32, 64, 64, 1, 2, 0}} {
		for _, cols := range []int{0, 128, 256, 512, 1024, 2048, 4096} {
			name := fmt.Sprintf("c=%d/o=%d/h=%d/k=%d/s=%d/cols=%d", sh.c, sh.o, sh.h, sh.k, sh.s, cols)
			b.Run(name, func(b *testing.B) {
				oldCols := convGroupCols
				defer func() { convGroupCols, convGroupedOn = oldCols, true }()
				convGroupCols, convGroupedOn = cols, cols > 0
				r := rand.New(rand.NewPCG(1, 2))
				n := 128
				x := convTestRandParam(r, n, sh.c, sh.h, sh.h)
				x.SetRequiresGrad(sh.c != 3)
				w := convTestRandParam(r, sh.o, sh.c, sh.k, sh.k)
				oh := (sh.h+2*sh.p-sh.k)/sh.s + 1
				gy := convTestWeights(r, n*sh.o*oh*oh)
				g := NewTape()
				benchMedian(b, func() {
					g.Backward(benchSeedGrad(g, g.Conv2d(x, w, nil, sh.s, sh.p), gy))
					g.Reset()
				})
			})
		}
	}
}
