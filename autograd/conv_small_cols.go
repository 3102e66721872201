package autograd

// The grouped path lays each image's im2col block into a matrix of row
// stride ld. Its output planes are small (8x8), where per-output-row loops
// spend more on bookkeeping than on the 8 floats they move. So each input
// channel is first copied into a zero-bordered plane (when there is
// padding), and then every kernel tap is one gather of a whole output plane
// through a table of offsets shared by all taps.

// convTaps holds what im2col and col2im need for one geometry: the offsets
// (in the padded plane) of the input pixel each output position reads at
// tap (0,0), and the padded plane's width and size.
type convTaps struct {
	index     []int32
	pw, ph    int
	padFloats int // ph·pw when the input needs a zero border, else 0
	ld        int // row stride of the im2col matrix
}

func newConvTaps(g *convGeom, ld int) *convTaps {
	t := &convTaps{pw: g.w + 2*g.pad, ph: g.h + 2*g.pad, index: make([]int32, g.outPlane), ld: ld}
	for y := 0; y < g.oh; y++ {
		for x := 0; x < g.ow; x++ {
			t.index[y*g.ow+x] = int32(y*g.stride*t.pw + x*g.stride)
		}
	}
	if g.pad > 0 {
		t.padFloats = t.ph * t.pw
	}
	return t
}

// im2col writes the patches of a whole image x [c,h,w] into the im2col
// matrix rows col[r·ld : r·ld+oh·ow], r = (ci·kh+ki)·kw+kj, so the images of
// a group sit side by side in one matrix of row stride ld. scratch holds
// padFloats floats.
func (t *convTaps) im2col(col []float32, x []float32, g *convGeom, scratch []float32) {
	ld := t.ld
	if t.padFloats > 0 {
		clear(scratch[:t.padFloats]) // the border stays zero; channels overwrite the inside
	}
	for ci := 0; ci < g.c; ci++ {
		src := x[ci*g.inPlane : (ci+1)*g.inPlane]
		if t.padFloats > 0 {
			for r := 0; r < g.h; r++ {
				copy(scratch[(r+g.pad)*t.pw+g.pad:][:g.w], src[r*g.w:(r+1)*g.w])
			}
			src = scratch[:t.padFloats]
		}
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*ld:][:len(t.index)]
				convGatherIndex(row, src[ki*t.pw+kj:], t.index)
			}
		}
	}
}

// col2im adds the patch gradients col (rows of stride ld, as im2col writes
// them) back into the image gradient dx [c,h,w], or with overwrite set
// stores them there; it is the transpose of im2col. scratch holds
// padFloats floats.
func (t *convTaps) col2im(dx, col []float32, g *convGeom, scratch []float32, overwrite bool) {
	for ci := 0; ci < g.c; ci++ {
		dst := dx[ci*g.inPlane : (ci+1)*g.inPlane]
		if t.padFloats > 0 {
			dst = scratch[:t.padFloats]
		}
		if t.padFloats > 0 || overwrite {
			clear(dst)
		}
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*t.ld:][:len(t.index)]
				convScatterAddIndex(dst[ki*t.pw+kj:], row, t.index)
			}
		}
		if t.padFloats > 0 {
			plane := dx[ci*g.inPlane : (ci+1)*g.inPlane]
			for r := 0; r < g.h; r++ {
				src := dst[(r+g.pad)*t.pw+g.pad:][:g.w]
				if overwrite {
					copy(plane[r*g.w:(r+1)*g.w], src)
				} else {
					convAddTo(plane[r*g.w:(r+1)*g.w], src)
				}
			}
		}
	}
}

// convGatherIndex sets dst[p] = src[index[p]], four at a time (a third
// fewer instructions per float than the plain loop).
func convGatherIndex(dst, src []float32, index []int32) {
	dst = dst[:len(index)]
	p := 0
	for ; p+4 <= len(index); p += 4 {
		ix, d := (*[4]int32)(index[p:p+4]), (*[4]float32)(dst[p:p+4])
		d[0], d[1], d[2], d[3] = src[ix[0]], src[ix[1]], src[ix[2]], src[ix[3]]
	}
	for ; p < len(index); p++ {
		dst[p] = src[index[p]]
	}
}

// convScatterAddIndex adds src[p] into dst[index[p]], four at a time; the
// indices must be distinct.
func convScatterAddIndex(dst, src []float32, index []int32) {
	src = src[:len(index)]
	p := 0
	for ; p+4 <= len(index); p += 4 {
		ix, s := (*[4]int32)(index[p:p+4]), (*[4]float32)(src[p:p+4])
		dst[ix[0]] += s[0]
		dst[ix[1]] += s[1]
		dst[ix[2]] += s[2]
		dst[ix[3]] += s[3]
	}
	for ; p < len(index); p++ {
		dst[index[p]] += src[p]
	}
}
