package simd

import "math"

// LayerNormRow sets dst = (x - mean)·rstd·gamma + beta with mean and
// variance over the row (biased variance, as PyTorch) and rstd =
// 1/sqrt(var + eps), and returns mean and rstd for the backward pass.
//
// The mean is refined by a second pass (corrected two-pass algorithm): with
// m0 = Σx/n and d = x - m0, the exact mean is m0 + Σd/n, and the variance is
// Σd²/n - (Σd/n)². Centring with (x - m0) - c keeps the correction c out of
// m0's rounding, so a large common offset in x costs no accuracy.
func LayerNormRow(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	sameLen("LayerNormRow", len(dst), "dst, x, gamma, beta", len(x), len(gamma), len(beta))
	n := len(x)
	if n == 0 {
		return 0, 0
	}
	inv := 1 / float32(n)
	m0 := Sum(x) * inv
	var s0, s1, q0, q1 float32
	i := 0
	for ; i+2 <= n; i += 2 {
		d0, d1 := x[i]-m0, x[i+1]-m0
		s0 += d0
		s1 += d1
		q0 += d0 * d0
		q1 += d1 * d1
	}
	if i < n {
		d := x[i] - m0
		s0 += d
		q0 += d * d
	}
	c := (s0 + s1) * inv
	variance := max((q0+q1)*inv-c*c, 0)
	rstd = float32(1 / math.Sqrt(float64(variance+eps)))
	for i, v := range x {
		dst[i] = ((v-m0)-c)*rstd*gamma[i] + beta[i]
	}
	return m0 + c, rstd
}

// LayerNormBackwardRow computes, for one row normalised by LayerNormRow with
// the given mean and rstd, dx (overwritten) and adds this row's share to
// dgamma and dbeta:
//
//	xhat = (x - mean)·rstd, g = dy·gamma
//	dx = rstd·(g - mean(g) - xhat·mean(g·xhat))
//	dgamma += dy·xhat, dbeta += dy
func LayerNormBackwardRow(dx, dgamma, dbeta, dy, x, gamma []float32, mean, rstd float32) {
	n := len(x)
	sameLen("LayerNormBackwardRow", n, "x, dx, dgamma, dbeta, dy, gamma", len(dx), len(dgamma), len(dbeta), len(dy), len(gamma))
	if n == 0 {
		return
	}
	var sg, sgx float32
	for i, v := range x {
		xhat := (v - mean) * rstd
		g := dy[i] * gamma[i]
		sg += g
		sgx += g * xhat
		dgamma[i] += dy[i] * xhat
		dbeta[i] += dy[i]
	}
	mg, mgx := sg/float32(n), sgx/float32(n)
	for i, v := range x {
		xhat := (v - mean) * rstd
		dx[i] = rstd * (dy[i]*gamma[i] - mg - xhat*mgx)
	}
}
