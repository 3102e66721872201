package autograd

import (
	"fmt"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// Conv2d is a 2-D convolution (cross-correlation, as PyTorch's) of
// x [N,C,H,W] with w [O,C,kh,kw] plus an optional bias b [O] (nil for none),
// with the same stride and zero padding on both axes. The result is
// [N,O,OH,OW] with OH = (H+2·pad-kh)/stride+1 and likewise OW.
//
// Each image is lowered to an im2col matrix and multiplied by the weight
// matrix with the tape's GEMM (see precision.go); 1x1 stride-1 unpadded
// convolutions skip im2col.
// Images are shared out over the worker pool when there are at least as many
// as workers; otherwise images run in turn and the GEMM itself is parallel.
func (g *Tape) Conv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	geo := convCheck(x, w, b, stride, pad)
	n, o := x.Shape[0], w.Shape[0]
	out := g.NewTensor(n, o, geo.oh, geo.ow)
	plan := newConvPlan(g, n, &geo)
	plan.run(func(task, img int) {
		y := out.Data[img*o*geo.outPlane : (img+1)*o*geo.outPlane]
		beta := float32(0)
		if b != nil {
			for oc := 0; oc < o; oc++ {
				row := y[oc*geo.outPlane : (oc+1)*geo.outPlane]
				for i := range row {
					row[i] = b.Data[oc]
				}
			}
			beta = 1
		}
		col := plan.imageCol(task, x.Data, img)
		g.gemm(false, false, o, geo.outPlane, geo.colRows, 1, w.Data, geo.colRows, col, geo.outPlane, beta, y, geo.outPlane)
	})
	if g.NoGrad() {
		return out
	}
	back := func() { convBackward(g, x, w, b, out, plan) }
	return g.Record(out, back, x, w, b)
}

// convCheck validates Conv2d's arguments and returns the per-image geometry.
func convCheck(x, w, b *Tensor, stride, pad int) convGeom {
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
	return newConvGeom(c, h, wd, kh, kw, stride, pad)
}

// convPlan splits a batch of images over worker tasks and owns one im2col
// buffer per task, borrowed from the tape so steady-state steps reuse it.
type convPlan struct {
	geo   *convGeom
	n     int // images
	tasks int
	cols  [][]float32 // per task; nil for direct (1x1) convolutions
}

func newConvPlan(g *Tape, n int, geo *convGeom) *convPlan {
	p := &convPlan{geo: geo, n: n, tasks: 1}
	// Batch-level parallelism keeps each GEMM single-threaded (nested
	// parallel.For calls run serially) and avoids GEMM sync per image.
	if t := parallel.Threads(); n >= t {
		p.tasks = t
	}
	if !geo.direct {
		buf := g.AllocNoZero(p.tasks * geo.imageColSize)
		p.cols = make([][]float32, p.tasks)
		for t := range p.cols {
			p.cols[t] = buf[t*geo.imageColSize : (t+1)*geo.imageColSize]
		}
	}
	return p
}

// run calls fn(task, image) for every image, each task on its own worker.
func (p *convPlan) run(fn func(task, img int)) {
	parallel.For(p.tasks, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			for img := t * p.n / p.tasks; img < (t+1)*p.n/p.tasks; img++ {
				fn(t, img)
			}
		}
	})
}

// imageCol returns the im2col matrix of image img of x, built in the task's
// buffer, or the image itself for direct convolutions.
func (p *convPlan) imageCol(task int, x []float32, img int) []float32 {
	xi := x[img*p.geo.imageInSize : (img+1)*p.geo.imageInSize]
	if p.geo.direct {
		return xi
	}
	convIm2col(p.cols[task], xi, p.geo)
	return p.cols[task]
}

// convBackward adds the gradients of out into x, w and b:
// dW += dY·colᵀ, dcol = Wᵀ·dY then col2im into dX, db += row sums of dY.
func convBackward(g *Tape, x, w, b, out *Tensor, p *convPlan) {
	geo := p.geo
	o := w.Shape[0]
	dy := out.Grad
	dx, dw, db := g.GradOf(x), g.GradOf(w), g.GradOf(b)
	if db != nil {
		convBiasGrad(db, dy, p.n, o, geo.outPlane)
	}
	if dx == nil && dw == nil {
		return
	}
	// Per-task weight-gradient accumulators, summed after the loop; with one
	// task the GEMM adds straight into dw.
	var dwParts [][]float32
	if dw != nil {
		dwParts = make([][]float32, p.tasks)
		if p.tasks == 1 {
			dwParts[0] = dw
		} else {
			buf := g.Alloc(p.tasks * len(dw))
			for t := range dwParts {
				dwParts[t] = buf[t*len(dw) : (t+1)*len(dw)]
			}
		}
	}
	var dcols [][]float32
	if dx != nil && !geo.direct {
		buf := g.AllocNoZero(p.tasks * geo.imageColSize)
		dcols = make([][]float32, p.tasks)
		for t := range dcols {
			dcols[t] = buf[t*geo.imageColSize : (t+1)*geo.imageColSize]
		}
	}
	p.run(func(task, img int) {
		dyi := dy[img*o*geo.outPlane : (img+1)*o*geo.outPlane]
		if dw != nil {
			col := p.imageCol(task, x.Data, img)
			g.gemm(false, true, o, geo.colRows, geo.outPlane, 1, dyi, geo.outPlane, col, geo.outPlane, 1, dwParts[task], geo.colRows)
		}
		if dx == nil {
			return
		}
		dxi := dx[img*geo.imageInSize : (img+1)*geo.imageInSize]
		if geo.direct {
			g.gemm(true, false, geo.colRows, geo.outPlane, o, 1, w.Data, geo.colRows, dyi, geo.outPlane, 1, dxi, geo.outPlane)
			return
		}
		dcol := dcols[task]
		g.gemm(true, false, geo.colRows, geo.outPlane, o, 1, w.Data, geo.colRows, dyi, geo.outPlane, 0, dcol, geo.outPlane)
		convCol2im(dxi, dcol, geo)
	})
	if dw != nil && p.tasks > 1 {
		for _, part := range dwParts {
			for i, v := range part {
				dw[i] += v
			}
		}
	}
}

// convBiasGrad adds the per-channel sums of dy [n,o,plane] into db [o].
func convBiasGrad(db, dy []float32, n, o, plane int) {
	for img := 0; img < n; img++ {
		for oc := 0; oc < o; oc++ {
			var s float32
			for _, v := range dy[(img*o+oc)*plane : (img*o+oc+1)*plane] {
				s += v
			}
			db[oc] += s
		}
	}
}
