package simd

import "math"

// Pure-Go layer norm row kernels, the same algorithms as the assembly
// (rows_layernorm_amd64.s); len(x) >= 1 and lengths are checked by the caller.

func layerNormGo(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	n := len(x)
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

func layerNormBackwardGo(dx, dgamma, dbeta, dy, x, gamma []float32, mean, rstd float32) {
	var sg, sgx float32
	for i, v := range x {
		xhat := (v - mean) * rstd
		g := dy[i] * gamma[i]
		sg += g
		sgx += g * xhat
		dgamma[i] += dy[i] * xhat
		dbeta[i] += dy[i]
	}
	n := len(x)
	mg, mgx := sg/float32(n), sgx/float32(n)
	for i, v := range x {
		xhat := (v - mean) * rstd
		dx[i] = rstd * (dy[i]*gamma[i] - mg - xhat*mgx)
	}
}
