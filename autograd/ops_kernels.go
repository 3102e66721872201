package autograd

import (
	"math"

	"github.com/mmpoison/mmpoison/simd"
)

// Private row kernels used by the ops: thin wrappers over the simd kernels
// that add what the ops need on top (accumulating into gradients instead
// of overwriting, returning the log-sum-exp, nil gamma/beta).

// dot returns Σ a[i]·b[i] over len(a).
func dot(a, b []float32) float32 { return simd.Dot(a, b[:len(a)]) }

// axpy adds alpha·x into y.
func axpy(alpha float32, x, y []float32) { simd.Axpy(alpha, x, y[:len(x)]) }

// addTo adds x into y.
func addTo(x, y []float32) {
	y = y[:len(x)]
	simd.Add(y, y, x)
}

// sum returns Σ x[i].
func sum(x []float32) float32 { return simd.Sum(x) }

func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }

// expShifted sets y = exp(x + shift) and returns Σ y; y may alias x.
func expShifted(x, y []float32, shift float32) float32 {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v + shift
	}
	simd.Exp(y, y)
	return simd.Sum(y)
}

// softmaxRow writes softmax(x) into y (which may alias x) and returns
// log Σ exp(x) (the log-sum-exp, which backward passes may keep instead of y).
func softmaxRow(x, y []float32) float32 {
	m := simd.Max(x)
	s := expShifted(x, y, -m)
	simd.Scale(1/s, y[:len(x)])
	return m + float32(math.Log(float64(s)))
}

// logSumExpRow returns log Σ exp(x), using scratch (len(x)) as workspace.
func logSumExpRow(x, scratch []float32) float32 {
	m := simd.Max(x)
	s := expShifted(x, scratch, -m)
	return m + float32(math.Log(float64(s)))
}

// layerNormRow normalises x into y = (x-mean)·rstd·gamma + beta and returns
// mean and rstd; gamma or beta may be nil (1 and 0).
func layerNormRow(x, y, gamma, beta []float32, eps float32) (mean, rstd float32) {
	if gamma != nil && beta != nil {
		return simd.LayerNormRow(y[:len(x)], x, gamma, beta, eps)
	}
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

// geluGradRow adds gy·GELU'(x) into gx, using tmp (len(x)) as workspace.
func geluGradRow(x, gy, gx, tmp []float32) {
	n := len(x)
	tmp, gx = tmp[:n], gx[:n]
	simd.GELUGrad(tmp, gy[:n], x)
	simd.Add(gx, gx, tmp)
}

// sigmoidScaledRow sets y = σ(c·x) = 1/(1+e^(−c·x)); y may alias x.
func sigmoidScaledRow(c float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = -c * v
	}
	simd.Exp(y, y)
	for i, e := range y {
		y[i] = 1 / (1 + e)
	}
}
