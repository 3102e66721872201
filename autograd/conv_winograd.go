package autograd

import "github.com/mmpoison/mmpoison/conv"

// Winograd F(4x4,3x3) convolution for stride-1, pad-1 3x3 layers on small
// planes, where PyTorch (oneDNN) beats direct im2col+GEMM at full FMA peak:
// it does 4x fewer multiplications (36 per 4x4 tile and channel pair instead
// of 144). The 36 Winograd-domain products of a batch chunk are independent
// GEMMs, [O×C]·[C×tiles], one per tile position ξ; tiles of many images are
// batched so each GEMM is large. Tensors in the Winograd domain are laid out
// [ξ][channel][tile]: the GEMMs then read and write contiguous matrices.
// Float32 error is about 20x the direct path's: for unit-variance data at
// 256→256@8 the largest error of y, dx and dw is 2-4e-5 of their RMS
// (direct: 1-2e-6), see TestWinogradAccuracyUnitVariance. The transforms and tile gather/scatter are
// in package conv (winograd_*.go); the GEMM passes here (_passes).

// Dispatch thresholds: Winograd wins when both channel counts are large
// (transforms cost O(C+O) per tile against O(C·O) GEMM work) and planes are
// small. Zen 4, batch 128, CPU time of forward+backward (direct → Winograd):
// 64→64@32 364 → 257 ms, 128→128@16 322 → 215, 256→256@8 342 → 193, but
// 32→32@64 439 → 436 (a tie, so it stays direct). See
// conv_winograd_bench_test.go. Tests lower winoMinChannels.
var (
	winoMinChannels = 64
	winoMaxSide     = 32
)

// winoChunkTiles is the number of tiles batched into one round of GEMMs:
// enough columns for Sgemm to reach peak, few enough that the transformed
// chunk stays in L3. Tests shrink it to exercise several chunks.
var winoChunkTiles = 256

// winoBF16MaxSide is the largest plane side at which BF16 tapes still take
// the Winograd path (in fp32: its GEMMs always call simd.Sgemm, as rounding
// Winograd-domain operands to bf16 would add to the transforms' ~20x error
// amplification). Against the direct path's bf16 GEMMs, forward+backward
// at batch 128, CPU ms on Zen 4 (direct bf16 → fp32 Winograd): 64→64@32
// 202 → 237, 128→128@16 176 → 170, 256→256@8 191 → 165
// (BenchmarkConv2dPrecision); at a tie fp32 is the more accurate choice.
// Benchmarks and tests change it.
var winoBF16MaxSide = 16

// winogradFits reports whether Conv2d of geometry geo with o output channels
// takes the Winograd path.
func winogradFits(g *Tape, geo *conv.Geom, o int) bool {
	maxSide := winoMaxSide
	if g.precision == BF16 {
		maxSide = min(maxSide, winoBF16MaxSide)
	}
	return geo.KH == 3 && geo.KW == 3 && geo.Stride == 1 && geo.Pad == 1 &&
		min(geo.C, o) >= winoMinChannels && max(geo.H, geo.W) <= maxSide
}

// conv2dWinograd is Conv2d for the shapes winogradFits accepts.
func (g *Tape) conv2dWinograd(x, w, b *Tensor) *Tensor {
	n, c, h, wd, o := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0]
	out := g.NewTensor(n, o, h, wd)
	var bias []float32
	if b != nil {
		bias = b.Data
	}
	u := winoKernels(g, w.Data, o, c, false)
	winoForward(g, x.Data, conv.NewWinoGeom(n, c, o, h, wd, winoChunkTiles), u, bias, out.Data, false)
	g.recycle(u)
	if g.NoGrad() {
		return out
	}
	back := func() { winoBackward(g, x, w, b, out) }
	return g.record(out, back, false, x, w, b) // backward reads x and w, not out
}

// winoBackward adds the gradients of out into x, w and b. dX is the
// stride-1 pad-1 convolution of dY with the flipped, channel-transposed
// kernels, so it reuses winoForward; dW is computed in the Winograd domain.
func winoBackward(g *Tape, x, w, b, out *Tensor) {
	n, c, h, wd, o := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0]
	dy := out.Grad
	if db := g.GradOf(b); db != nil {
		convBiasGrad(db, dy, n, o, h*wd)
	}
	if dx := g.GradOf(x); dx != nil {
		u := winoKernels(g, w.Data, o, c, true)
		winoForward(g, dy, conv.NewWinoGeom(n, o, c, h, wd, winoChunkTiles), u, nil, dx, true)
		g.recycle(u)
	}
	if dw := g.GradOf(w); dw != nil {
		winoWeightGrad(g, x.Data, dy, conv.NewWinoGeom(n, c, o, h, wd, winoChunkTiles), dw)
	}
}
