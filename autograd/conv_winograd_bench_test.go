package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2dWinograd times one forward and backward pass (dX, dW) of
// the stride-1 3x3 ResNet layers with the direct path and with Winograd
// forced, to set winoMinChannels and winoMaxSide. GFLOP/s counts the direct
// convolution's multiply-adds for both, so it compares like with like.
// Run e.g. GOMAXPROCS=2 go test ./autograd -run '^$' -bench
// 'Conv2dWinograd////n=128' -benchtime 3x -count 3 (GOMAXPROCS, as in
// bench/peers_ops.sh, also sizes the worker pool; -cpu does not).
func BenchmarkConv2dWinograd(b *testing.B) {
	shapes := []struct{ c, o, h int }{{32, 32, 64}, {64, 64, 32}, {128, 128, 16}, {256, 256, 8}}
	for _, n := range []int{16, 128} {
		for _, sh := range shapes {
			for _, mode := range []string{"direct", "winograd"} {
				name := fmt.Sprintf("c=%d/o=%d/h=%d/n=%d/%s", sh.c, sh.o, sh.h, n, mode)
				b.Run(name, func(b *testing.B) {
					oldMin, oldSide := winoMinChannels, winoMaxSide
					defer func() { winoMinChannels, winoMaxSide = oldMin, oldSide }()
					winoMinChannels, winoMaxSide = math.MaxInt, 0
					if mode == "winograd" {
						winoMinChannels, winoMaxSide = 1, math.MaxInt
					}
					r := rand.New(rand.NewPCG(1, 2))
					x := convTestRandParam(r, n, sh.c, sh.h, sh.h)
					w := convTestRandParam(r, sh.o, sh.c, 3, 3)
					gy := convTestWeights(r, n*sh.o*sh.h*sh.h)
					flops := 3 * 2 * float64(n*sh.o*sh.h*sh.h*sh.c*9)
					g := NewTape()
					benchMedian(b, func() {
						g.Backward(benchSeedGrad(g, g.Conv2d(x, w, nil, 1, 1), gy))
						g.Reset()
					})
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
