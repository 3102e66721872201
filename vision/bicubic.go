package vision

import (
	"math"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// bicubicA is the cubic convolution parameter PIL uses for BICUBIC (CLIP's
// resize filter). OpenCV uses -0.75, so results differ slightly from cv2.
const bicubicA = -0.5

// bicubicSupport is the kernel radius in source pixels at scale 1.
const bicubicSupport = 2.0

// bicubic is Keys' cubic convolution kernel with a = -0.5.
func bicubic(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((bicubicA+2)*x-(bicubicA+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * bicubicA
	}
	return 0
}

// axisTaps holds, for every output sample along one axis, the first source
// index and normalised weights of the source samples it reads.
type axisTaps struct {
	first []int     // first source index per output sample
	count []int     // number of taps per output sample
	w     []float32 // weights, stride taps per output sample
	taps  int
}

// bicubicTaps computes PIL's resampling coefficients mapping inLen source
// samples onto outLen outputs. When shrinking, the kernel is stretched by the
// scale factor, which averages (antialiases) instead of skipping pixels.
func bicubicTaps(inLen, outLen int) axisTaps {
	scale := float64(inLen) / float64(outLen)
	filterScale := max(scale, 1)
	support := bicubicSupport * filterScale
	taps := int(math.Ceil(support))*2 + 1
	t := axisTaps{first: make([]int, outLen), count: make([]int, outLen), w: make([]float32, outLen*taps), taps: taps}
	k := make([]float64, taps)
	for o := 0; o < outLen; o++ {
		center := (float64(o) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), inLen)
		n := min(hi-lo, taps)
		sum := 0.0
		for i := 0; i < n; i++ {
			k[i] = bicubic((float64(i+lo) - center + 0.5) / filterScale)
			sum += k[i]
		}
		if sum == 0 {
			sum = 1
		}
		for i := 0; i < n; i++ {
			t.w[o*taps+i] = float32(k[i] / sum)
		}
		t.first[o], t.count[o] = lo, n
	}
	return t
}

// resampleRegion resizes the cw×ch region of src at (x0, y0) into all of dst
// with the bicubic filter, as crop-then-resize would (samples beyond the
// region's edge are not read). The region must lie inside src. scratch is
// reused when large enough and the buffer used is returned for reuse.
func resampleRegion(dst, src *rgb.Image, x0, y0, cw, ch int, scratch []float32) []float32 {
	hx := bicubicTaps(cw, dst.W)
	vy := bicubicTaps(ch, dst.H)
	// Only the source rows some output row reads need the horizontal pass.
	rowLo := vy.first[0]
	rowHi := vy.first[dst.H-1] + vy.count[dst.H-1]
	rows := rowHi - rowLo
	need := rows * dst.W * 3
	if cap(scratch) < need {
		scratch = make([]float32, need)
	}
	tmp := scratch[:need]
	for r := 0; r < rows; r++ {
		srow := src.Pix[3*((y0+rowLo+r)*src.W+x0):]
		trow := tmp[3*r*dst.W:]
		for o := 0; o < dst.W; o++ {
			first, w := hx.first[o], hx.w[o*hx.taps:o*hx.taps+hx.count[o]]
			var acR, acG, acB float32
			for i, wi := range w {
				p := srow[3*(first+i):]
				acR += wi * float32(p[0])
				acG += wi * float32(p[1])
				acB += wi * float32(p[2])
			}
			trow[3*o], trow[3*o+1], trow[3*o+2] = acR, acG, acB
		}
	}
	rowLen := 3 * dst.W
	for o := 0; o < dst.H; o++ {
		first, w := vy.first[o]-rowLo, vy.w[o*vy.taps:o*vy.taps+vy.count[o]]
		drow := dst.Pix[o*rowLen : (o+1)*rowLen]
		for c := range drow {
			var acc float32
			for i, wi := range w {
				acc += wi * tmp[(first+i)*rowLen+c]
			}
			drow[c] = round8(acc)
		}
	}
	return scratch
}

// round8 rounds to the nearest integer and clamps to 0..255 (bicubic lobes
// overshoot near edges).
func round8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
