package autograd

// convGeom is the geometry of one 2-D convolution over a single image.
type convGeom struct {
	c, h, w      int // input channels and spatial size
	kh, kw       int // kernel size
	stride, pad  int
	oh, ow       int // output spatial size
	colRows      int // c·kh·kw: rows of the im2col matrix (= columns of the weight matrix)
	inPlane      int // h·w
	outPlane     int // oh·ow: columns of the im2col matrix
	direct       bool
	imageInSize  int // c·h·w
	imageColSize int // colRows·outPlane
}

func newConvGeom(c, h, w, kh, kw, stride, pad int) convGeom {
	oh := (h+2*pad-kh)/stride + 1
	ow := (w+2*pad-kw)/stride + 1
	g := convGeom{c: c, h: h, w: w, kh: kh, kw: kw, stride: stride, pad: pad, oh: oh, ow: ow,
		colRows: c * kh * kw, inPlane: h * w, outPlane: oh * ow}
	// A 1x1 stride-1 unpadded convolution is a plain GEMM on the NCHW image:
	// the image itself is its im2col matrix.
	g.direct = kh == 1 && kw == 1 && stride == 1 && pad == 0
	g.imageInSize = c * h * w
	g.imageColSize = g.colRows * g.outPlane
	return g
}

// convValidRange returns the output columns [lo, hi) whose input column
// o·stride - off falls inside [0, size).
func convValidRange(off, size, stride, outSize int) (lo, hi int) {
	if off > 0 {
		lo = (off + stride - 1) / stride
	}
	if last := size - 1 + off; last >= 0 {
		hi = last/stride + 1
	}
	hi = min(hi, outSize)
	lo = min(lo, hi)
	return lo, hi
}

// convIm2col writes the patches of output rows [y0, y1) of one image x
// [c,h,w] into col [c·kh·kw, (y1-y0)·ow]; row (ci·kh+ki)·kw+kj matches the
// weight layout [O,C,kh,kw]. Taps that land in the padding are zero.
// Building the matrix a band of output rows at a time keeps it in cache
// for the GEMM that reads it.
func convIm2col(col, x []float32, g *convGeom, y0, y1 int) {
	if g.stride == 1 && g.ow == g.w {
		convIm2colSame(col, x, g, y0, y1)
		return
	}
	ow, cols := g.ow, (y1-y0)*g.ow
	for ci := 0; ci < g.c; ci++ {
		plane := x[ci*g.inPlane : (ci+1)*g.inPlane]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*cols:][:cols]
				off := g.pad - kj
				lo, hi := convValidRange(off, g.w, g.stride, ow)
				for y := y0; y < y1; y++ {
					dst := row[(y-y0)*ow : (y-y0+1)*ow]
					ih := y*g.stride - g.pad + ki
					if ih < 0 || ih >= g.h {
						clear(dst)
						continue
					}
					src := plane[ih*g.w : (ih+1)*g.w]
					clear(dst[:lo])
					clear(dst[hi:])
					if g.stride == 1 {
						copy(dst[lo:hi], src[lo-off:])
						continue
					}
					for x := lo; x < hi; x++ {
						dst[x] = src[x*g.stride-off]
					}
				}
			}
		}
	}
}

// convIm2colSame is convIm2col for stride-1 "same" convolutions (output
// width = input width): every tap row of col is then the input plane shifted
// by a constant, so each is one bulk copy plus zeroed border columns and
// rows, instead of one short copy per output row (8-16 floats at 8x8-16x16).
func convIm2colSame(col, x []float32, g *convGeom, y0, y1 int) {
	w, cols := g.w, (y1-y0)*g.w
	for ci := 0; ci < g.c; ci++ {
		plane := x[ci*g.inPlane : (ci+1)*g.inPlane]
		for ki := 0; ki < g.kh; ki++ {
			// output rows [ya, yb) of the band read input rows inside [0, h)
			ya, yb := max(y0, g.pad-ki), min(y1, g.h+g.pad-ki)
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*cols:][:cols]
				if ya >= yb {
					clear(row)
					continue
				}
				clear(row[:(ya-y0)*w])
				clear(row[(yb-y0)*w:])
				dst := row[(ya-y0)*w : (yb-y0)*w]
				// dst[i] = plane[src+i]; the ends that fall outside the plane
				// are border columns, zeroed below.
				src := (ya-g.pad+ki)*w + kj - g.pad
				lo := max(0, -src)
				hi := min(len(dst), len(plane)-src)
				copy(dst[lo:hi], plane[src+lo:src+hi])
				off := g.pad - kj
				vlo, vhi := convValidRange(off, w, 1, w)
				for r := 0; r < len(dst); r += w {
					clear(dst[r : r+vlo])
					clear(dst[r+vhi : r+w])
				}
			}
		}
	}
}

// convCol2im adds the patch gradients col [c·kh·kw, (y1-y0)·ow] of output
// rows [y0, y1) back into the image gradient dx [c,h,w]; it is the
// transpose of convIm2col.
func convCol2im(dx, col []float32, g *convGeom, y0, y1 int) {
	ow, cols := g.ow, (y1-y0)*g.ow
	for ci := 0; ci < g.c; ci++ {
		plane := dx[ci*g.inPlane : (ci+1)*g.inPlane]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*cols:][:cols]
				off := g.pad - kj
				lo, hi := convValidRange(off, g.w, g.stride, ow)
				for y := y0; y < y1; y++ {
					ih := y*g.stride - g.pad + ki
					if ih < 0 || ih >= g.h {
						continue
					}
					src := row[(y-y0)*ow : (y-y0+1)*ow]
					dst := plane[ih*g.w : (ih+1)*g.w]
					if g.stride == 1 {
						convAddTo(dst[lo-off:hi-off], src[lo:hi])
						continue
					}
					for x := lo; x < hi; x++ {
						dst[x*g.stride-off] += src[x]
					}
				}
			}
		}
	}
}

// convAddTo adds src into dst element-wise (len(src) == len(dst)), unrolled
// by four with bounds checks hoisted: it is the inner loop of col2im.
func convAddTo(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
