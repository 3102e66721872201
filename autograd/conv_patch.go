package autograd

import (
	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/internal/parallel"
)

// Patch convolutions (kernel = stride, no padding: the ViT's patch
// embedding) cut each image into non-overlapping patches, so im2col is a
// pure permutation whose rows (one per patch, c·k·k long) are runs of k
// contiguous input pixels. Per image (backward: per group of images):
//
//	P  [patches × c·k·k]  built with k-float copies (conv.PatchRows)
//	Y  = W·Pᵀ             written straight into NCHW (the GEMM packs Pᵀ)
//	dW += dY·P            both operands read in place, depth = patches
//	dP = dYᵀ·W            scattered back into dx when x needs a gradient
//
// (Grouping the forward as well, through a buffer and a copy to NCHW,
// measured the same: 18.3 vs 18.3 ms on one core at batch 128.)
//
// Images are shared out evenly over the workers, one task each; each task
// keeps its own dW (the first task adds into w's gradient directly) and
// the partials are summed at the end, a few hundred KiB. No regrouping
// copies of y or dy and no index tables: the grouped path's gathers,
// regroup and ungroup passes cost a fifth of its time on this shape.

// convPatchOn switches the patch path on; tests turn it off to compare
// with the grouped and per-image paths.
var convPatchOn = true

// convUsePatch reports whether Conv2d takes the patch path: kernel equal to
// the stride on both axes, larger than 1x1, and no padding.
func convUsePatch(geo *conv.Geom) bool {
	return convPatchOn && geo.Pad == 0 && geo.Stride > 1 && geo.KH == geo.Stride && geo.KW == geo.Stride
}

// convPatchTasks is how many tasks share n images: one per worker when
// there are enough images, else one (whose GEMMs then run in parallel).
func convPatchTasks(n int) int {
	if t := parallel.Threads(); n >= t {
		return t
	}
	return 1
}

// convPatchRun calls fn(task, lo, hi) for each task's images [lo, hi),
// each task on its own worker.
func convPatchRun(n, tasks int, fn func(task, lo, hi int)) {
	parallel.For(tasks, 1, func(tlo, thi int) {
		for t := tlo; t < thi; t++ {
			fn(t, t*n/tasks, (t+1)*n/tasks)
		}
	})
}

// conv2dPatch is Conv2d for convUsePatch geometries.
func (g *Tape) conv2dPatch(x, w, b *Tensor, geo *conv.Geom) *Tensor {
	n, o := x.Shape[0], w.Shape[0]
	plane, kdim := geo.OutPlane, geo.ColRows
	out := g.NewTensor(n, o, geo.OH, geo.OW)
	tasks := convPatchTasks(n)
	ps := (&convPlan{tasks: tasks}).taskBuffers(g, plane*kdim)
	convPatchRun(n, tasks, func(task, lo, hi int) {
		p := ps[task]
		for img := lo; img < hi; img++ {
			conv.PatchRows(p, x.Data[img*geo.ImageInSize:], geo)
			y := out.Data[img*o*plane : (img+1)*o*plane]
			g.gemm(false, true, o, plane, kdim, 1, w.Data, kdim, p, kdim, 0, y, plane)
			if b != nil {
				convAddBias(y, b.Data, plane)
			}
		}
	})
	releaseTaskBuffers(g, ps)
	if g.NoGrad() {
		return out
	}
	back := func() { convPatchBackward(g, x, w, b, out, geo) }
	return g.record(out, back, false, x, w, b) // backward reads x and w, not out
}

// convAddBias adds bias[oc] to row oc (plane floats) of y [o, plane].
func convAddBias(y, bias []float32, plane int) {
	for oc, bv := range bias {
		row := y[oc*plane : (oc+1)*plane]
		for j := range row {
			row[j] += bv
		}
	}
}

// convPatchGroupCols is the depth (patches over the images of a group)
// the backward GEMMs aim for: dW += dY·P with one image's 64 patches as
// depth ran at 85 GFLOP/s against the forward's 108 (the 12x32 tiles of dW
// are loaded and stored once per 64 steps), and the kernel's depth block
// is 256.
var convPatchGroupCols = 256

// convPatchBackward adds the gradients of out into x, w and b. Groups of
// images are handled together: dY of the group is copied into [O,
// group·patches] next to the group's stacked patch matrices, so dW gets
// one deep GEMM per group instead of a shallow one per image.
func convPatchBackward(g *Tape, x, w, b, out *Tensor, geo *conv.Geom) {
	n, o := x.Shape[0], w.Shape[0]
	plane, kdim := geo.OutPlane, geo.ColRows
	dy := out.Grad
	dx, fresh := g.gradForWrite(x)
	dw, db := g.GradOf(w), g.GradOf(b)
	if dx == nil && dw == nil && db == nil {
		return
	}
	tasks := convPatchTasks(n)
	size := max(1, min((n+tasks-1)/tasks, convPatchGroupCols/plane)) // images per group
	ld := size * plane
	parts := convPatchParts(g, tasks, dw, db)
	plan := &convPlan{tasks: tasks}
	ps := plan.taskBuffers(g, ld*kdim) // stacked P for dW, then dP for dx
	dys := plan.taskBuffers(g, o*ld)
	convPatchRun(n, tasks, func(task, lo, hi int) {
		p, dyg, part := ps[task], dys[task], parts[task]
		for first := lo; first < hi; first += size {
			count := min(size, hi-first)
			rows := count * plane // patches of the group
			if part.db != nil {
				for img := first; img < first+count; img++ {
					convAddRowSums(part.db, dy[img*o*plane:(img+1)*o*plane], plane)
				}
			}
			if part.dw == nil && dx == nil {
				continue
			}
			convRegroup(dyg, ld, dy[first*o*plane:], o, plane, count)
			if part.dw != nil {
				for i := 0; i < count; i++ {
					conv.PatchRows(p[i*plane*kdim:], x.Data[(first+i)*geo.ImageInSize:], geo)
				}
				g.gemm(false, false, o, kdim, rows, 1, dyg, ld, p, kdim, part.beta(first == lo), part.dw, kdim)
			}
			if dx != nil {
				g.gemm(true, false, rows, kdim, o, 1, dyg, ld, w.Data, kdim, 0, p, kdim)
				for i := 0; i < count; i++ {
					img := first + i
					conv.PatchScatter(dx[img*geo.ImageInSize:(img+1)*geo.ImageInSize], p[i*plane*kdim:], geo, fresh)
				}
			}
		}
	})
	releaseTaskBuffers(g, ps)
	releaseTaskBuffers(g, dys)
	convPatchSumParts(g, parts, dw, db)
}
