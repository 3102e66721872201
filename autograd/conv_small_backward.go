package autograd

// convGroupedBackward adds the gradients of out into x, w and b, a group
// of images at a time: dY of the group is gathered into [O, group·plane],
// then dW += dY·colᵀ is one GEMM of depth group·plane, and dX comes from
// dcol = Wᵀ·dY scattered back image by image with col2im. (Keeping the
// forward pass's im2col matrices instead of rebuilding them was tried for
// the patch embedding, where they are no larger than the input: no gain,
// as the kept matrices fall out of cache.)
func convGroupedBackward(g *Tape, x, w, b, out *Tensor, p *convGroups) {
	geo := p.geo
	o, plane := w.Shape[0], geo.OutPlane
	dy := out.Grad
	// A fresh dx (an activation's first gradient) is written, not added
	// to, which saves clearing it first.
	dx, fresh := g.gradForWrite(x)
	dw, db := g.GradOf(w), g.GradOf(b)
	if db != nil {
		convBiasGrad(db, dy, p.n, o, plane)
	}
	if dx == nil && dw == nil {
		return
	}
	dwParts := weightGradParts(g, dw, p.tasks)
	dys := p.taskBuffers(g, o*p.cols())
	cols := p.taskBuffers(g, geo.ColRows*p.cols()) // col for dW, then dcol for dX
	pads := p.taskBuffers(g, max(1, p.taps.PadFloats))
	p.run(func(task, first, count int) {
		ld, width := p.cols(), count*plane // as in conv2dGrouped
		dyg, col := dys[task], cols[task]
		convRegroup(dyg, ld, dy[first*o*plane:], o, plane, count)
		if dw != nil {
			for i := 0; i < count; i++ {
				p.taps.Im2col(col[i*plane:], x.Data[(first+i)*geo.ImageInSize:], geo, pads[task])
			}
			g.gemm(false, true, o, geo.ColRows, width, 1, dyg, ld, col, ld, 1, dwParts[task], geo.ColRows)
		}
		if dx != nil {
			g.gemm(true, false, geo.ColRows, width, o, 1, w.Data, geo.ColRows, dyg, ld, 0, col, ld)
			for i := 0; i < count; i++ {
				p.taps.Col2im(dx[(first+i)*geo.ImageInSize:], col[i*plane:], geo, pads[task], fresh)
			}
		}
	})
	mergeWeightGradParts(g, dw, dwParts)
	releaseTaskBuffers(g, dys)
	releaseTaskBuffers(g, cols)
	releaseTaskBuffers(g, pads)
}
