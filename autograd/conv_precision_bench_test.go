package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2dPrecision times one forward and backward pass of the
// small-CLIP convolutions (convBenchShapes) on an FP32 tape and on BF16
// tapes: mode=bf16 is the default dispatch, bf16-direct keeps every
// stride-1 3x3 layer on the direct path (bf16 GEMMs), bf16-wino sends all
// those Winograd fits at any plane size to the fp32 Winograd path. Compare cpu-ms/op on a shared machine, e.g.
// go test ./autograd -run '^$' -bench 'Conv2dPrecision/.*/n=16/' -benchtime 3x.
func BenchmarkConv2dPrecision(b *testing.B) {
	for _, n := range []int{16, 128} {
		for _, sh := range convBenchShapes {
			for _, mode := range []string{"fp32", "bf16", "bf16-direct", "bf16-wino"} {
				name := fmt.Sprintf("c=%d/o=%d/h=%d/k=%d/s=%d/n=%d/mode=%s", sh.c, sh.o, sh.h, sh.k, sh.s, n, mode)
				b.Run(name, func(b *testing.B) {
					defer func(side int) { winoBF16MaxSide = side }(winoBF16MaxSide)
					switch mode {
					case "bf16-direct":
						winoBF16MaxSide = 0
					case "bf16-wino":
						winoBF16MaxSide = math.MaxInt
					}
					r := rand.New(rand.NewPCG(1, 2))
					x := convTestRandParam(r, n, sh.c, sh.h, sh.h)
					x.SetRequiresGrad(sh.c != 3)
					w := convTestRandParam(r, sh.o, sh.c, sh.k, sh.k)
					oh := (sh.h+2*sh.p-sh.k)/sh.s + 1
					gy := convTestWeights(r, n*sh.o*oh*oh)
					g := NewTape()
					if mode != "fp32" {
						g.SetPrecision(BF16)
					}
					benchMedian(b, func() {
						g.Backward(benchSeedGrad(g, g.Conv2d(x, w, nil, sh.s, sh.p), gy))
						g.Reset()
					})
				})
			}
		}
	}
}
