package autograd

import (
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// poolGeom is the geometry of a pooling window sliding over one plane.
type poolGeom struct {
	h, w, k, stride, pad, oh, ow int
}

func poolCheck(op string, x *Tensor, k, stride, pad int) poolGeom {
	if x.Dims() != 4 {
		panic(fmt.Sprintf("autograd: %s: want x [N,C,H,W], got %v", op, x.Shape))
	}
	if k < 1 || stride < 1 || pad < 0 || 2*pad > k {
		panic(fmt.Sprintf("autograd: %s: need kernel >= 1, stride >= 1 and 0 <= pad <= kernel/2, got kernel %d stride %d pad %d (x %v)", op, k, stride, pad, x.Shape))
	}
	h, w := x.Shape[2], x.Shape[3]
	if h+2*pad < k || w+2*pad < k {
		panic(fmt.Sprintf("autograd: %s: kernel %d with pad %d does not fit x %v", op, k, pad, x.Shape))
	}
	return poolGeom{h: h, w: w, k: k, stride: stride, pad: pad,
		oh: (h+2*pad-k)/stride + 1, ow: (w+2*pad-k)/stride + 1}
}

// forPlanes runs fn over planes [lo, hi) of an [N,C,...] tensor on the worker pool.
func forPlanes(planes int, fn func(lo, hi int)) { parallel.For(planes, 8, fn) }

// AvgPool2d averages k×k windows of x [N,C,H,W] moved by stride, without
// padding, giving [N,C,(H-k)/stride+1,(W-k)/stride+1].
func (g *Tape) AvgPool2d(x *Tensor, k, stride int) *Tensor {
	pg := poolCheck("AvgPool2d", x, k, stride, 0)
	n, c := x.Shape[0], x.Shape[1]
	out := g.NewTensor(n, c, pg.oh, pg.ow)
	inPlane, outPlane := pg.h*pg.w, pg.oh*pg.ow
	scale := 1 / float32(k*k)
	forPlanes(n*c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x.Data[p*inPlane:(p+1)*inPlane], out.Data[p*outPlane:(p+1)*outPlane]
			for oy := 0; oy < pg.oh; oy++ {
				for ox := 0; ox < pg.ow; ox++ {
					var s float32
					for i := 0; i < k; i++ {
						row := src[(oy*stride+i)*pg.w+ox*stride:][:k]
						for _, v := range row {
							s += v
						}
					}
					dst[oy*pg.ow+ox] = s * scale
				}
			}
		}
	})
	back := func() {
		dx := g.GradOf(x)
		forPlanes(n*c, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				d, dy := dx[p*inPlane:(p+1)*inPlane], out.Grad[p*outPlane:(p+1)*outPlane]
				for oy := 0; oy < pg.oh; oy++ {
					for ox := 0; ox < pg.ow; ox++ {
						v := dy[oy*pg.ow+ox] * scale
						for i := 0; i < k; i++ {
							row := d[(oy*stride+i)*pg.w+ox*stride:][:k]
							for j := range row {
								row[j] += v
							}
						}
					}
				}
			}
		})
	}
	return g.Record(out, back, x)
}

// MaxPool2d takes the maximum of k×k windows of x [N,C,H,W] moved by
// stride, with pad cells of -Inf on each side (pad <= k/2, as PyTorch). The
// gradient goes to the first maximal element of each window, found again in
// backward so nothing is stored per element.
func (g *Tape) MaxPool2d(x *Tensor, k, stride, pad int) *Tensor {
	pg := poolCheck("MaxPool2d", x, k, stride, pad)
	n, c := x.Shape[0], x.Shape[1]
	out := g.NewTensor(n, c, pg.oh, pg.ow)
	inPlane, outPlane := pg.h*pg.w, pg.oh*pg.ow
	forPlanes(n*c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x.Data[p*inPlane:(p+1)*inPlane], out.Data[p*outPlane:(p+1)*outPlane]
			for oy := 0; oy < pg.oh; oy++ {
				for ox := 0; ox < pg.ow; ox++ {
					dst[oy*pg.ow+ox] = src[pg.argmax(src, oy, ox)]
				}
			}
		}
	})
	back := func() {
		dx := g.GradOf(x)
		forPlanes(n*c, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				src, d, dy := x.Data[p*inPlane:(p+1)*inPlane], dx[p*inPlane:(p+1)*inPlane], out.Grad[p*outPlane:(p+1)*outPlane]
				for oy := 0; oy < pg.oh; oy++ {
					for ox := 0; ox < pg.ow; ox++ {
						d[pg.argmax(src, oy, ox)] += dy[oy*pg.ow+ox]
					}
				}
			}
		})
	}
	return g.Record(out, back, x)
}

// argmax returns the plane index of the first largest value in output
// cell (oy, ox)'s window; NaN wins so that it propagates. Since pad <= k/2,
// every window holds at least one real cell.
func (pg *poolGeom) argmax(src []float32, oy, ox int) int {
	best, bestVal := -1, float32(math.Inf(-1))
	y0, x0 := oy*pg.stride-pg.pad, ox*pg.stride-pg.pad
	for y := max(y0, 0); y < min(y0+pg.k, pg.h); y++ {
		for xx := max(x0, 0); xx < min(x0+pg.k, pg.w); xx++ {
			i := y*pg.w + xx
			v := src[i]
			if v != v {
				return i
			}
			if best < 0 || v > bestVal {
				best, bestVal = i, v
			}
		}
	}
	return best
}

// GlobalAvgPool averages each channel of x [N,C,H,W] over H and W, giving [N,C].
func (g *Tape) GlobalAvgPool(x *Tensor) *Tensor {
	if x.Dims() != 4 || x.Shape[2]*x.Shape[3] == 0 {
		panic(fmt.Sprintf("autograd: GlobalAvgPool: want x [N,C,H,W] with H,W >= 1, got %v", x.Shape))
	}
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	out := g.NewTensor(n, c)
	scale := 1 / float32(plane)
	forPlanes(n*c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			var s float32
			for _, v := range x.Data[p*plane : (p+1)*plane] {
				s += v
			}
			out.Data[p] = s * scale
		}
	})
	back := func() {
		dx := g.GradOf(x)
		forPlanes(n*c, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				v := out.Grad[p] * scale
				row := dx[p*plane : (p+1)*plane]
				for i := range row {
					row[i] += v
				}
			}
		})
	}
	return g.Record(out, back, x)
}
