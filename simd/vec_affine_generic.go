package simd

import "math"

// Pure-Go reference and fallback of the kernels in vec_affine.go. Partial
// sums in fours shorten the dependency chain, as in vec_generic.go.

func momentsGo(x []float32) (sum, m2 float32) {
	sum = sumGo(x)
	mean := sum / float32(len(x))
	var q0, q1, q2, q3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := x[i]-mean, x[i+1]-mean, x[i+2]-mean, x[i+3]-mean
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - mean
		q0 += d * d
	}
	return sum, (q0 + q1) + (q2 + q3)
}

func affineGo(dst, x []float32, a, m, b float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = a*(v-m) + b
	}
}

func sumDotDevGo(y, x []float32, m float32) (sumY, dotDev float32) {
	x = x[:len(y)]
	var s0, s1, d0, d1 float32
	i := 0
	for ; i+2 <= len(y); i += 2 {
		s0 += y[i]
		s1 += y[i+1]
		d0 += y[i] * (x[i] - m)
		d1 += y[i+1] * (x[i+1] - m)
	}
	for ; i < len(y); i++ {
		s0 += y[i]
		d0 += y[i] * (x[i] - m)
	}
	return s0 + s1, d0 + d1
}

func affinePairGo(dst, y, x []float32, a, b, m, c float32, add bool) {
	y, x = y[:len(dst)], x[:len(dst)]
	if add {
		for i := range dst {
			dst[i] += a*y[i] + b*(x[i]-m) + c
		}
		return
	}
	for i := range dst {
		dst[i] = a*y[i] + b*(x[i]-m) + c
	}
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}

// reluGradGo is branch-free: signs are random, so a branch mispredicts
// half the time. y = max(x, 0) is +0, positive or NaN, so -bits(y) is
// negative exactly where y > 0 or NaN, and its sign spreads into a mask.
func reluGradGo(gx, gy, y []float32, add bool) {
	gy, y = gy[:len(gx)], y[:len(gx)]
	for i := range gx {
		mask := uint32(-int32(math.Float32bits(y[i])) >> 31)
		g := math.Float32frombits(math.Float32bits(gy[i]) & mask)
		if add {
			g += gx[i]
		}
		gx[i] = g
	}
}
