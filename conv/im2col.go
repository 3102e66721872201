package conv

// Geom is the geometry of one 2-D convolution over a single image.
type Geom struct {
	C, H, W      int // input channels and spatial size
	KH, KW       int // kernel size
	Stride, Pad  int
	OH, OW       int // output spatial size
	ColRows      int // C·KH·KW: rows of the im2col matrix (= columns of the weight matrix)
	InPlane      int // H·W
	OutPlane     int // OH·OW: columns of the im2col matrix
	Direct       bool
	ImageInSize  int // C·H·W
	ImageColSize int // ColRows·OutPlane
}

func NewGeom(c, h, w, kh, kw, stride, pad int) Geom {
	oh := (h+2*pad-kh)/stride + 1
	ow := (w+2*pad-kw)/stride + 1
	g := Geom{C: c, H: h, W: w, KH: kh, KW: kw, Stride: stride, Pad: pad, OH: oh, OW: ow,
		ColRows: c * kh * kw, InPlane: h * w, OutPlane: oh * ow}
	// A 1x1 stride-1 unpadded convolution is a plain GEMM on the NCHW image:
	// the image itself is its im2col matrix.
	g.Direct = kh == 1 && kw == 1 && stride == 1 && pad == 0
	g.ImageInSize = c * h * w
	g.ImageColSize = g.ColRows * g.OutPlane
	return g
}

// ValidRange returns the output columns [lo, hi) whose input column
// o·stride - off falls inside [0, size).
func ValidRange(off, size, stride, outSize int) (lo, hi int) {
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

// Im2col writes the patches of output rows [y0, y1) of one image x
// [c,h,w] into col [c·kh·kw, (y1-y0)·ow]; row (ci·kh+ki)·kw+kj matches the
// weight layout [O,C,kh,kw]. Taps that land in the padding are zero.
// Building the matrix a band of output rows at a time keeps it in cache
// for the GEMM that reads it.
func Im2col(col, x []float32, g *Geom, y0, y1 int) {
	if g.Stride == 1 && g.OW == g.W {
		Im2colSame(col, x, g, y0, y1)
		return
	}
	ow, cols := g.OW, (y1-y0)*g.OW
	for ci := 0; ci < g.C; ci++ {
		plane := x[ci*g.InPlane : (ci+1)*g.InPlane]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				row := col[((ci*g.KH+ki)*g.KW+kj)*cols:][:cols]
				off := g.Pad - kj
				lo, hi := ValidRange(off, g.W, g.Stride, ow)
				for y := y0; y < y1; y++ {
					dst := row[(y-y0)*ow : (y-y0+1)*ow]
					ih := y*g.Stride - g.Pad + ki
					if ih < 0 || ih >= g.H {
						clear(dst)
						continue
					}
					src := plane[ih*g.W : (ih+1)*g.W]
					clear(dst[:lo])
					clear(dst[hi:])
					if g.Stride == 1 {
						copy(dst[lo:hi], src[lo-off:])
						continue
					}
					for x := lo; x < hi; x++ {
						dst[x] = src[x*g.Stride-off]
					}
				}
			}
		}
	}
}

// Im2colSame is Im2col for stride-1 "same" convolutions (output
// width = input width): every tap row of col is then the input plane shifted
// by a constant, so each is one bulk copy plus zeroed border columns and
// rows, instead of one short copy per output row (8-16 floats at 8x8-16x16).
func Im2colSame(col, x []float32, g *Geom, y0, y1 int) {
	w, cols := g.W, (y1-y0)*g.W
	for ci := 0; ci < g.C; ci++ {
		plane := x[ci*g.InPlane : (ci+1)*g.InPlane]
		for ki := 0; ki < g.KH; ki++ {
			// output rows [ya, yb) of the band read input rows inside [0, h)
			ya, yb := max(y0, g.Pad-ki), min(y1, g.H+g.Pad-ki)
			for kj := 0; kj < g.KW; kj++ {
				row := col[((ci*g.KH+ki)*g.KW+kj)*cols:][:cols]
				if ya >= yb {
					clear(row)
					continue
				}
				clear(row[:(ya-y0)*w])
				clear(row[(yb-y0)*w:])
				dst := row[(ya-y0)*w : (yb-y0)*w]
				// dst[i] = plane[src+i]; the ends that fall outside the plane
				// are border columns, zeroed below.
				src := (ya-g.Pad+ki)*w + kj - g.Pad
				lo := max(0, -src)
				hi := min(len(dst), len(plane)-src)
				copy(dst[lo:hi], plane[src+lo:src+hi])
				off := g.Pad - kj
				vlo, vhi := ValidRange(off, w, 1, w)
				for r := 0; r < len(dst); r += w {
					clear(dst[r : r+vlo])
					clear(dst[r+vhi : r+w])
				}
			}
		}
	}
}

// Col2im adds the patch gradients col [c·kh·kw, (y1-y0)·ow] of output
// rows [y0, y1) back into the image gradient dx [c,h,w]; it is the
// transpose of Im2col.
func Col2im(dx, col []float32, g *Geom, y0, y1 int) {
	ow, cols := g.OW, (y1-y0)*g.OW
	for ci := 0; ci < g.C; ci++ {
		plane := dx[ci*g.InPlane : (ci+1)*g.InPlane]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				row := col[((ci*g.KH+ki)*g.KW+kj)*cols:][:cols]
				off := g.Pad - kj
				lo, hi := ValidRange(off, g.W, g.Stride, ow)
				for y := y0; y < y1; y++ {
					ih := y*g.Stride - g.Pad + ki
					if ih < 0 || ih >= g.H {
						continue
					}
					src := row[(y-y0)*ow : (y-y0+1)*ow]
					dst := plane[ih*g.W : (ih+1)*g.W]
					if g.Stride == 1 {
						AddTo(dst[lo-off:hi-off], src[lo:hi])
						continue
					}
					for x := lo; x < hi; x++ {
						dst[x*g.Stride-off] += src[x]
					}
				}
			}
		}
	}
}

// AddTo adds src into dst element-wise (len(src) == len(dst)), unrolled
// by four with bounds checks hoisted: it is the inner loop of col2im.
func AddTo(dst, src []float32) {
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
