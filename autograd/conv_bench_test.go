package autograd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

// convBenchShapes are the convolutions of the small-CLIP ResNet training
// step (peers/torch_clip_step.py: 3x3 BasicBlocks at widths 32-256, 1x1
// stride-2 projections) plus the ViT's k8 s8 patch embedding. h is the
// input size. bench/torch_ops.py times the same list in PyTorch.
var convBenchShapes = []struct{ c, o, h, k, s, p int }{
	{3, 32, 64, 3, 1, 1},    // stem
	{32, 32, 64, 3, 1, 1},   // stage 1
	{32, 64, 64, 3, 2, 1},   // stage 2 entry
	{32, 64, 64, 1, 2, 0},   // stage 2 projection
	{64, 64, 32, 3, 1, 1},   // stage 2
	{64, 128, 32, 3, 2, 1},  // stage 3 entry
	{64, 128, 32, 1, 2, 0},  // stage 3 projection
	{128, 128, 16, 3, 1, 1}, // stage 3
	{128, 256, 16, 3, 2, 1}, // stage 4 entry
	{128, 256, 16, 1, 2, 0}, // stage 4 projection
	{256, 256, 8, 3, 1, 1},  // stage 4
	{3, 256, 64, 8, 8, 0},   // ViT patch embedding
}

// BenchmarkConv2d times one forward and backward pass (dX, dW) per
// iteration and reports GFLOP/s of the three GEMMs and the median
// milliseconds of one pass. The image input of the 3-channel layers needs no
// gradient, as in training. Names are c/o/h/k/s/n levels; run the quick set
// with -bench 'Conv2d//////n=16' (n=128 is the real batch and takes minutes
// on 2 cores; bench/peers_ops.sh runs it against PyTorch).
func BenchmarkConv2d(b *testing.B) {
	for _, n := range []int{16, 128} {
		for _, sh := range convBenchShapes {
			name := fmt.Sprintf("c=%d/o=%d/h=%d/k=%d/s=%d/n=%d", sh.c, sh.o, sh.h, sh.k, sh.s, n)
			b.Run(name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				x := convTestRandParam(r, n, sh.c, sh.h, sh.h)
				x.SetRequiresGrad(sh.c != 3)
				w := convTestRandParam(r, sh.o, sh.c, sh.k, sh.k)
				oh := (sh.h+2*sh.p-sh.k)/sh.s + 1
				gy := convTestWeights(r, n*sh.o*oh*oh)
				gemms := 2.0
				if x.RequiresGrad() {
					gemms = 3
				}
				flops := gemms * 2 * float64(n*sh.o*oh*oh*sh.c*sh.k*sh.k)
				g := NewTape()
				benchMedian(b, func() {
					g.Backward(benchSeedGrad(g, g.Conv2d(x, w, nil, sh.s, sh.p), gy))
					g.Reset()
				})
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// benchMedian runs step once untimed (so the tape's buffer pool is warm, as
// in steady training), then once per benchmark iteration, and reports the
// median wall time of one step as ms-median: medians resist the spells of
// load on a shared machine better than b's mean. cpu-ms/op, the process's
// CPU time per step, tells work done from time spent waiting for a core.
func benchMedian(b *testing.B, step func()) {
	step()
	var ms []float64
	b.ResetTimer()
	cpu0 := cputime.Seconds()
	for b.Loop() {
		t0 := time.Now()
		step()
		ms = append(ms, float64(time.Since(t0).Nanoseconds())/1e6)
	}
	b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-median")
}

// benchSeedGrad returns a scalar whose backward pass seeds t's gradient with
// gy, as PyTorch's y.backward(gy) does: its forward value is not computed, so
// the benchmark times only the op under test.
func benchSeedGrad(g *Tape, t *Tensor, gy []float32) *Tensor {
	if len(gy) != len(t.Data) {
		panic("benchSeedGrad: gradient does not match tensor size")
	}
	out := g.NewTensor()
	back := func() { copy(g.GradOf(t), gy) }
	return g.Record(out, back, t)
}
