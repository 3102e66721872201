package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/conv"
)

// Conv2d is a 2-D convolution (cross-correlation, as PyTorch's) of
// x [N,C,H,W] with w [O,C,kh,kw] plus an optional bias b [O] (nil for none),
// with the same stride and zero padding on both axes. The result is
// [N,O,OH,OW] with OH = (H+2·pad-kh)/stride+1 and likewise OW.
//
// Each image is lowered to im2col bands (a few output rows at a time, sized
// to stay in cache) and multiplied by the weight matrix with the tape's GEMM
// (see precision.go); 1x1 stride-1 unpadded convolutions skip im2col.
// Images are shared out over the worker pool when there are at least as many
// as workers; otherwise images run in turn and the GEMM itself is parallel.
// Three shapes take their own paths: patch convolutions (kernel = stride,
// no padding: the ViT's patch embedding) copy patches into GEMM rows
// (conv_patch.go), other strided convolutions with small output
// planes batch several images per GEMM (conv_small.go), and stride-1 3x3
// layers with small planes and many channels use Winograd F(4x4,3x3)
// (conv_winograd.go), which needs a quarter of the multiplications.
func (g *Tape) Conv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	geo := convCheck(x, w, b, stride, pad)
	if convUsePatch(&geo) {
		return g.conv2dPatch(x, w, b, &geo) // conv_patch.go
	}
	if convUseGrouped(&geo) {
		return g.conv2dGrouped(x, w, b, &geo) // conv_small.go
	}
	if g.convAlgorithm(&geo, x.Shape[0], w.Shape[0], b != nil) == convWinograd {
		return g.conv2dWinograd(x, w, b) // conv_winograd.go
	}
	return g.conv2dDirect(x, w, b, &geo)
}

// conv2dDirect is Conv2d by im2col bands and GEMM.
func (g *Tape) conv2dDirect(x, w, b *Tensor, geo *conv.Geom) *Tensor {
	n, o := x.Shape[0], w.Shape[0]
	out := g.NewTensor(n, o, geo.OH, geo.OW)
	plan := newConvPlan(n, geo)
	var cols [][]float32
	if !geo.Direct {
		cols = plan.taskBuffers(g, plan.bandSize())
	}
	plane := geo.OutPlane
	plan.run(func(task, img int) {
		y := out.Data[img*o*plane : (img+1)*o*plane]
		beta := float32(0)
		if b != nil {
			for oc := 0; oc < o; oc++ {
				row := y[oc*plane : (oc+1)*plane]
				for i := range row {
					row[i] = b.Data[oc]
				}
			}
			beta = 1
		}
		xi := x.Data[img*geo.ImageInSize : (img+1)*geo.ImageInSize]
		if geo.Direct {
			g.gemm(false, false, o, plane, geo.C, 1, w.Data, geo.C, xi, plane, beta, y, plane)
			return
		}
		bands(geo.OH, plan.band, func(y0, y1 int) {
			width := (y1 - y0) * geo.OW
			col := cols[task][:geo.ColRows*width]
			conv.Im2col(col, xi, geo, y0, y1)
			g.gemm(false, false, o, width, geo.ColRows, 1, w.Data, geo.ColRows, col, width, beta, y[y0*geo.OW:], plane)
		})
	})
	releaseTaskBuffers(g, cols)
	if g.NoGrad() {
		return out
	}
	back := func() { convBackward(g, x, w, b, out, plan) }
	// x is read for dw's GEMMs only: one per image when direct, else one
	// per band of at least an output row.
	bf16 := g.roundsOperands(o, geo.ColRows, geo.OW)
	if geo.Direct {
		bf16 = g.roundsOperands(o, geo.C, plane)
	}
	return g.recordReads(out, back, readsNone, []*Tensor{x, w, b}, []readKind{convInputRead(bf16), readsFull, readsNone})
}

// convInputRead is how a convolution's backward reads its input: through
// x.Data when it runs, and for the weight gradient's GEMMs only, so it is
// readsBF16 when all of those round their operands.
func convInputRead(gemmsRound bool) readKind {
	if gemmsRound {
		return readsBF16
	}
	return readsFull
}

// convCheck validates Conv2d's arguments and returns the per-image geometry.
func convCheck(x, w, b *Tensor, stride, pad int) conv.Geom {
	if x.Dims() != 4 || w.Dims() != 4 {
		panic(fmt.Sprintf("autograd: Conv2d: want x [N,C,H,W] and w [O,C,kh,kw], got x %v and w %v", x.Shape, w.Shape))
	}
	if x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("autograd: Conv2d: x %v has %d channels but w %v expects %d", x.Shape, x.Shape[1], w.Shape, w.Shape[1]))
	}
	if b != nil && (b.Dims() != 1 || b.Shape[0] != w.Shape[0]) {
		panic(fmt.Sprintf("autograd: Conv2d: bias %v must be [%d] to match w %v", b.Shape, w.Shape[0], w.Shape))
	}
	if stride < 1 || pad < 0 {
		panic(fmt.Sprintf("autograd: Conv2d: stride %d must be >= 1 and pad %d >= 0 (x %v, w %v)", stride, pad, x.Shape, w.Shape))
	}
	c, h, wd, kh, kw := x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[2], w.Shape[3]
	if c < 1 || kh < 1 || kw < 1 || h+2*pad < kh || wd+2*pad < kw {
		panic(fmt.Sprintf("autograd: Conv2d: kernel %dx%d does not fit x %v with pad %d (w %v)", kh, kw, x.Shape, pad, w.Shape))
	}
	return conv.NewGeom(c, h, wd, kh, kw, stride, pad)
}
