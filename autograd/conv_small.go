package autograd

import (
	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/internal/parallel"
)

// Small-output-plane convolutions (strided 3x3 at 16x16; the ViT's k8 s8
// patch embedding too when the patch path, conv_patch.go, is off): per image their GEMMs have only oh·ow (64) columns, so
// the per-image path repacks the weight matrix once per image for very
// little work, and the weight-gradient GEMM has depth 64 and rereads all of
// dW per image. Here the im2col columns of a group of images are laid side
// by side (image-major), so each GEMM spans group·oh·ow columns (or depth,
// for dW); results are then copied to and from the NCHW layout, a cheap
// pass over the output alone.

// convGroupCols is how many im2col columns (output positions over the
// images of a group) one GEMM aims for; groups have at least two images.
// Measured at batch 128 on the strided 128→256 3x3 at 16x16: 128-256 cols
// cost 5-8% less CPU than one image (64 cols), 512 only 3%, as larger
// groups' im2col matrices spill out of L2.
var convGroupCols = 256

// convGroupedOn switches the grouped path on; tests turn it off to compare
// with the per-image path.
var convGroupedOn = true

// convUseGrouped reports whether Conv2d takes the grouped path: strided
// convolutions whose output plane is too small for a GEMM per image. The
// rule follows measurements on the small-CLIP shapes at batch 128 (CPU
// time per forward+backward): kernels larger than 1x1 with 8x8 outputs (3x3
// stride 2, the k8 s8 patch embedding) gained 9-12%; 1x1 stride 2 gained
// 25% at 16x16 outputs (the per-image path's strided im2col is slow there)
// but nothing at 8x8 or 32x32. With the rebuilt GEMMs 3x3 stride 2 gains at
// larger outputs too (BenchmarkConv2dPrecision, fp32 / bf16 tapes):
// 64→128 at 16x16 outputs 195 → 179 / 129 → 114 ms, 32→64 at 32x32
// 261 → 235 / 189 → 158 ms, so every strided kernel larger than 1x1 groups.
func convUseGrouped(geo *conv.Geom) bool {
	if !convGroupedOn || geo.Stride == 1 {
		return false
	}
	if geo.KH*geo.KW == 1 {
		return geo.OutPlane > 64 && geo.OutPlane <= 256
	}
	return true
}

// convGroups shares n images out over tasks and, within a task, into
// groups of up to size images.
type convGroups struct {
	geo   *conv.Geom
	n     int
	tasks int
	size  int // images per group
	taps  *conv.Taps
}

func newConvGroups(n int, geo *conv.Geom) *convGroups {
	tasks := 1
	// As convPlan: images share out over the workers when there are enough
	// of them, and the GEMMs stay single-threaded.
	if t := parallel.Threads(); n >= t {
		tasks = t
	}
	perTask := (n + tasks - 1) / tasks
	size := max(1, min(perTask, max(2, (convGroupCols+geo.OutPlane-1)/geo.OutPlane)))
	return &convGroups{geo: geo, n: n, tasks: tasks, size: size, taps: conv.NewTaps(geo, size*geo.OutPlane)}
}

// cols is the im2col columns of one full group.
func (p *convGroups) cols() int { return p.size * p.geo.OutPlane }

// run calls fn(task, first, count) for every group of images.
func (p *convGroups) run(fn func(task, first, count int)) {
	plan := convPlan{geo: p.geo, n: p.tasks, tasks: p.tasks}
	plan.run(func(task, _ int) {
		lo, hi := task*p.n/p.tasks, (task+1)*p.n/p.tasks
		for first := lo; first < hi; first += p.size {
			fn(task, first, min(p.size, hi-first))
		}
	})
}

// taskBuffers cuts one tape buffer into a size-float slice per task.
func (p *convGroups) taskBuffers(g *Tape, size int) [][]float32 {
	return (&convPlan{tasks: p.tasks}).taskBuffers(g, size)
}

// conv2dGrouped is Conv2d for convUseGrouped geometries.
func (g *Tape) conv2dGrouped(x, w, b *Tensor, geo *conv.Geom) *Tensor {
	n, o := x.Shape[0], w.Shape[0]
	plane := geo.OutPlane
	out := g.NewTensor(n, o, geo.OH, geo.OW)
	p := newConvGroups(n, geo)
	cols := p.taskBuffers(g, geo.ColRows*p.cols())
	ys := p.taskBuffers(g, o*p.cols())
	pads := p.taskBuffers(g, max(1, p.taps.PadFloats))
	p.run(func(task, first, count int) {
		// Groups' matrices have row stride ld; the last group of a task may
		// fill only width columns of them.
		ld, width := p.cols(), count*plane
		col, y := cols[task], ys[task]
		for i := 0; i < count; i++ {
			p.taps.Im2col(col[i*plane:], x.Data[(first+i)*geo.ImageInSize:], geo, pads[task])
		}
		g.gemm(false, false, o, width, geo.ColRows, 1, w.Data, geo.ColRows, col, ld, 0, y, ld)
		var bias []float32
		if b != nil {
			bias = b.Data
		}
		convUngroup(out.Data[first*o*plane:], y, ld, bias, o, plane, count)
	})
	releaseTaskBuffers(g, cols)
	releaseTaskBuffers(g, ys)
	releaseTaskBuffers(g, pads)
	if g.NoGrad() {
		return out
	}
	back := func() { convGroupedBackward(g, x, w, b, out, p) }
	// x is read for dw's GEMMs only, each at least one image deep.
	xRead := convInputRead(g.roundsOperands(o, geo.ColRows, plane))
	return g.recordReads(out, back, readsNone, []*Tensor{x, w, b}, []readKind{xRead, readsFull, readsNone})
}

// convUngroup copies y [o, count·plane] (row stride ld, columns
// image-major) into dst [count, o, plane], adding bias[oc] when bias is
// not nil.
func convUngroup(dst, y []float32, ld int, bias []float32, o, plane, count int) {
	for i := 0; i < count; i++ {
		for oc := 0; oc < o; oc++ {
			src := y[oc*ld+i*plane:][:plane]
			d := dst[(i*o+oc)*plane:][:plane]
			if bias == nil {
				copy(d, src)
				continue
			}
			bv := bias[oc]
			for j, v := range src {
				d[j] = v + bv
			}
		}
	}
}

// convRegroup is convUngroup's inverse without bias: it copies src
// [count, o, plane] into y [o, count·plane] (row stride ld).
func convRegroup(y []float32, ld int, src []float32, o, plane, count int) {
	for i := 0; i < count; i++ {
		for oc := 0; oc < o; oc++ {
			copy(y[oc*ld+i*plane:][:plane], src[(i*o+oc)*plane:][:plane])
		}
	}
}
