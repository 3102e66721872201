package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// naiveConv2dGrads returns dL/dx and dL/dw in float64 for dL/dy = gy, by the
// direct loops (the transpose of naiveConv2d).
func naiveConv2dGrads(x, w *Tensor, gy []float32, stride, pad int) (dx, dw []float64) {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	oh, ow := (h+2*pad-kh)/stride+1, (wd+2*pad-kw)/stride+1
	dx, dw = make([]float64, len(x.Data)), make([]float64, len(w.Data))
	for in := 0; in < n; in++ {
		for oc := 0; oc < o; oc++ {
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					g := float64(gy[((in*o+oc)*oh+y)*ow+xx])
					for ic := 0; ic < c; ic++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								iy, ix := y*stride-pad+i, xx*stride-pad+j
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								xi, wi := ((in*c+ic)*h+iy)*wd+ix, ((oc*c+ic)*kh+i)*kw+j
								dx[xi] += g * float64(w.Data[wi])
								dw[wi] += g * float64(x.Data[xi])
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}

// convBandCases add to convCases the routes the band logic chooses between:
// flipped-weight input gradients with extra padding (k3 p0, k5 p2) and the
// scatter route for padding beyond k-1 (k1 p1) and non-square kernels'
// stand-in, stride 2 with several output rows.
var convBandCases = append([]convCase{
	{2, 3, 7, 6, 4, 3, 1, 0, false},
	{2, 2, 9, 7, 3, 5, 1, 2, true},
	{2, 2, 4, 5, 3, 1, 1, 1, false},
	{3, 4, 11, 9, 5, 3, 2, 1, false},
}, convCases...)

// Forward and gradients against the float64 direct loops, with whole-image
// bands and with bands of one output row (many GEMMs per image), on one and
// two workers.
func TestConv2dBandsMatchNaive(t *testing.T) {
	for _, bandFloats := range []int{convBandFloats, 1} {
		for _, threads := range []int{1, 2} {
			oldBand, oldMin, oldThreads := convBandFloats, convMinBandCols, parallel.SetThreads(threads)
			convBandFloats = bandFloats
			if bandFloats == 1 {
				convMinBandCols = 1
			}
			for _, cc := range convBandCases {
				t.Run(fmt.Sprintf("%v/band=%d/threads=%d", cc, bandFloats, threads), func(t *testing.T) {
					checkConvAgainstNaive(t, cc)
				})
			}
			convBandFloats, convMinBandCols = oldBand, oldMin
			parallel.SetThreads(oldThreads)
		}
	}
}

func checkConvAgainstNaive(t *testing.T, cc convCase) {
	r := rand.New(rand.NewPCG(21, uint64(cc.h*100+cc.k)))
	x, w, b := cc.tensors(r)
	oh, ow := (cc.h+2*cc.pad-cc.k)/cc.stride+1, (cc.w+2*cc.pad-cc.k)/cc.stride+1
	gy := convTestWeights(r, cc.n*cc.o*oh*ow)
	g := NewTape()
	y := g.Conv2d(x, w, b, cc.stride, cc.pad)
	g.Backward(benchSeedGrad(g, y, gy))
	wantY := naiveConv2d(x, w, b, cc.stride, cc.pad)
	wantDx, wantDw := naiveConv2dGrads(x, w, gy, cc.stride, cc.pad)
	for name, pair := range map[string]struct {
		got  []float32
		want []float64
	}{"y": {y.Data, wantY}, "dx": {x.Grad, wantDx}, "dw": {w.Grad, wantDw}} {
		if len(pair.got) != len(pair.want) {
			t.Fatalf("%s has %d elements, want %d", name, len(pair.got), len(pair.want))
		}
		for i, v := range pair.got {
			if d := math.Abs(float64(v) - pair.want[i]); d > 1e-4*(1+math.Abs(pair.want[i])) {
				t.Fatalf("%s[%d] = %g, want %g", name, i, v, pair.want[i])
			}
		}
	}
}
