package autograd

import "github.com/mmpoison/mmpoison/conv"

// convBackward adds the gradients of out into x, w and b, image by image
// and im2col band by band: dW += dY·colᵀ; dX either as a stride-1
// convolution of dY with the flipped weights (convFlip) or as
// dcol = Wᵀ·dY scattered back by col2im; db += row sums of dY.
func convBackward(g *Tape, x, w, b, out *Tensor, p *convPlan) {
	geo := p.geo
	o, plane := w.Shape[0], geo.OutPlane
	dy := out.Grad
	dx, dw, db := g.GradOf(x), g.GradOf(w), g.GradOf(b)
	if db != nil {
		convBiasGrad(db, dy, p.n, o, plane)
	}
	if dx == nil && dw == nil {
		return
	}
	dwParts := weightGradParts(g, dw, p.tasks)
	var flip *convFlip
	if dx != nil && !geo.Direct {
		flip = newConvFlip(g, w, geo, p.tasks)
	}
	var cols, dcols [][]float32
	if !geo.Direct && (dw != nil || flip.scatter()) {
		cols = p.taskBuffers(g, p.bandSize())
	}
	if flip.scatter() {
		dcols = p.taskBuffers(g, p.bandSize())
	}
	p.run(func(task, img int) {
		xi := x.Data[img*geo.ImageInSize : (img+1)*geo.ImageInSize]
		dyi := dy[img*o*plane : (img+1)*o*plane]
		var dxi []float32
		if dx != nil {
			dxi = dx[img*geo.ImageInSize : (img+1)*geo.ImageInSize]
		}
		if geo.Direct {
			if dw != nil {
				g.gemm(false, true, o, geo.C, plane, 1, dyi, plane, xi, plane, 1, dwParts[task], geo.C)
			}
			if dx != nil {
				g.gemm(true, false, geo.C, plane, o, 1, w.Data, geo.C, dyi, plane, 1, dxi, plane)
			}
			return
		}
		if dw != nil || flip.scatter() {
			bands(geo.OH, p.band, func(y0, y1 int) {
				width := (y1 - y0) * geo.OW
				dyb := dyi[y0*geo.OW:]
				if dw != nil {
					col := cols[task][:geo.ColRows*width]
					conv.Im2col(col, xi, geo, y0, y1)
					g.gemm(false, true, o, geo.ColRows, width, 1, dyb, plane, col, width, 1, dwParts[task], geo.ColRows)
				}
				if flip.scatter() {
					dcol := dcols[task][:geo.ColRows*width]
					g.gemm(true, false, geo.ColRows, width, o, 1, w.Data, geo.ColRows, dyb, plane, 0, dcol, width)
					conv.Col2im(dxi, dcol, geo, y0, y1)
				}
			})
		}
		if flip != nil && !flip.scatter() {
			flip.inputGrad(g, task, dyi, dxi)
		}
	})
	mergeWeightGradParts(g, dw, dwParts)
	releaseTaskBuffers(g, cols)
	releaseTaskBuffers(g, dcols)
	flip.release(g)
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
