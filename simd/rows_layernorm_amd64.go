//go:build amd64 && !purego

package simd

// AVX-512 layer norm row kernels (rows_layernorm_amd64.s); n >= 1.

//go:noescape
func layerNormZ(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32)

func layerNormAVX512(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	return layerNormZ(&dst[0], &x[0], &gamma[0], &beta[0], len(x), eps)
}

//go:noescape
func layerNormBackwardZ(dx, dgamma, dbeta, dy, x, gamma *float32, n int, mean, rstd float32)

func layerNormBackwardAVX512(dx, dgamma, dbeta, dy, x, gamma []float32, mean, rstd float32) {
	layerNormBackwardZ(&dx[0], &dgamma[0], &dbeta[0], &dy[0], &x[0], &gamma[0], len(x), mean, rstd)
}
