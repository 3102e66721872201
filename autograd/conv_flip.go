package autograd

import "github.com/mmpoison/mmpoison/conv"

// convFlip computes the input gradient of a stride-1 convolution with a
// square kernel and pad ≤ k-1 as another stride-1 convolution:
// dX = conv(dY padded by k-1-pad, W flipped in space with in/out channels
// swapped). Its im2col copies dY, where the general route's GEMM has depth
// only O and its col2im scatters with adds; this one has depth O·k·k and
// writes dX straight from the GEMM. Other convolutions use the scatter
// route (a nil *convFlip, or scatter() true).
type convFlip struct {
	useScatter bool
	geo        conv.Geom   // dY [O,OH,OW] as the input, dX [C,H,W] as the output
	wt         []float32   // [C, O·k·k]: wt[ci][(oc·k+i)·k+j] = w[oc][ci][k-1-i][k-1-j]
	band       int         // dX rows per band
	cols       [][]float32 // per task im2col band of dY
}

func newConvFlip(g *Tape, w *Tensor, geo *conv.Geom, tasks int) *convFlip {
	k := geo.KH
	if geo.Stride != 1 || geo.KW != k || geo.Pad > k-1 {
		return &convFlip{useScatter: true}
	}
	o, c := w.Shape[0], geo.C
	f := &convFlip{geo: conv.NewGeom(o, geo.OH, geo.OW, k, k, 1, k-1-geo.Pad)}
	f.wt = g.AllocNoZero(c * o * k * k)
	for oc := 0; oc < o; oc++ {
		for ci := 0; ci < c; ci++ {
			src := w.Data[(oc*c+ci)*k*k:][:k*k]
			dst := f.wt[ci*o*k*k+oc*k*k:][:k*k]
			for t := range src {
				dst[len(src)-1-t] = src[t] // reversing a k×k block flips both axes
			}
		}
	}
	f.band = convBandRows(f.geo.ColRows, f.geo.OW, f.geo.OH)
	size := f.geo.ColRows * f.band * f.geo.OW
	buf := g.AllocNoZero(tasks * size)
	f.cols = make([][]float32, tasks)
	for t := range f.cols {
		f.cols[t] = buf[t*size : (t+1)*size]
	}
	return f
}

// release hands the flipped weights and im2col bands back to the tape.
func (f *convFlip) release(g *Tape) {
	if f == nil || f.useScatter {
		return
	}
	g.recycle(f.wt)
	releaseTaskBuffers(g, f.cols)
}

// scatter reports whether the input gradient takes the dcol + col2im route.
func (f *convFlip) scatter() bool { return f != nil && f.useScatter }

// inputGrad adds the gradient of one image, dyi [O,OH,OW], into dxi [C,H,W].
func (f *convFlip) inputGrad(g *Tape, task int, dyi, dxi []float32) {
	geo := &f.geo
	c, plane := len(f.wt)/geo.ColRows, geo.OutPlane
	bands(geo.OH, f.band, func(y0, y1 int) {
		width := (y1 - y0) * geo.OW
		col := f.cols[task][:geo.ColRows*width]
		conv.Im2col(col, dyi, geo, y0, y1)
		g.gemm(false, false, c, width, geo.ColRows, 1, f.wt, geo.ColRows, col, width, 1, dxi[y0*geo.OW:], plane)
	})
}
