package autograd

import "math"

// Private row kernels used by the ops. Each is one small loop so it can be
// swapped for the matching simd kernel (simd.Dot, simd.Axpy, simd.SoftmaxRow,
// simd.LayerNormRow, simd.GELU...) once those exist, without touching the ops.

// dot returns Σ a[i]·b[i] over len(a).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds alpha·x into y.
func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// addTo adds x into y.
func addTo(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += v
	}
}

// sum returns Σ x[i].
func sum(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// maxOf returns the largest value of a non-empty row.
func maxOf(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }

// softmaxRow writes softmax(x) into y and returns log Σ exp(x) (the
// log-sum-exp, which backward passes may keep instead of y).
func softmaxRow(x, y []float32) float32 {
	m := maxOf(x)
	var s float32
	for i, v := range x {
		e := exp32(v - m)
		y[i] = e
		s += e
	}
	inv := 1 / s
	for i := range x {
		y[i] *= inv
	}
	return m + float32(math.Log(float64(s)))
}

// logSumExpRow returns log Σ exp(x) without writing anything.
func logSumExpRow(x []float32) float32 {
	m := maxOf(x)
	var s float32
	for _, v := range x {
		s += exp32(v - m)
	}
	return m + float32(math.Log(float64(s)))
}

// layerNormRow normalises x into y = (x-mean)·rstd·gamma + beta and returns
// mean and rstd; gamma or beta may be nil (1 and 0).
func layerNormRow(x, y, gamma, beta []float32, eps float32) (mean, rstd float32) {
	n := float32(len(x))
	mean = sum(x) / n
	var v float32
	for _, xv := range x {
		d := xv - mean
		v += d * d
	}
	rstd = float32(1 / math.Sqrt(float64(v/n+eps)))
	for i, xv := range x {
		h := (xv - mean) * rstd
		if gamma != nil {
			h *= gamma[i]
		}
		if beta != nil {
			h += beta[i]
		}
		y[i] = h
	}
	return mean, rstd
}

const invSqrt2 = 0.7071067811865476

// geluRow is the exact (erf) GELU: x·Φ(x).
func geluRow(x, y []float32) {
	for i, v := range x {
		y[i] = float32(0.5 * float64(v) * (1 + math.Erf(float64(v)*invSqrt2)))
	}
}

// geluGradRow adds gy·GELU'(x) into gx.
func geluGradRow(x, gy, gx []float32) {
	const invSqrt2Pi = 0.3989422804014327
	for i, v := range x {
		xv := float64(v)
		cdf := 0.5 * (1 + math.Erf(xv*invSqrt2))
		pdf := invSqrt2Pi * math.Exp(-0.5*xv*xv)
		gx[i] += gy[i] * float32(cdf+xv*pdf)
	}
}

func sigmoid32(x float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(x))))
}
