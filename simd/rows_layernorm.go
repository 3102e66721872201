package simd

// LayerNormRow sets dst = (x - mean)·rstd·gamma + beta with mean and
// variance over the row (biased variance, as PyTorch) and rstd =
// 1/sqrt(var + eps), and returns mean and rstd for the backward pass.
// dst may alias x.
//
// The mean is refined by a second pass (corrected two-pass algorithm): with
// m0 = Σx/n and d = x - m0, the exact mean is m0 + Σd/n, and the variance is
// Σd²/n - (Σd/n)². Centring with (x - m0) - c keeps the correction c out of
// m0's rounding, so a large common offset in x costs no accuracy. The Go and
// AVX-512 paths run this same algorithm and differ only in summation order.
func LayerNormRow(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	sameLen("LayerNormRow", len(dst), "dst, x, gamma, beta", len(x), len(gamma), len(beta))
	if len(x) == 0 {
		return 0, 0
	}
	return rowImpl.layerNorm(dst, x, gamma, beta, eps)
}

// LayerNormBackwardRow computes, for one row normalised by LayerNormRow with
// the given mean and rstd, dx (overwritten) and adds this row's share to
// dgamma and dbeta:
//
//	xhat = (x - mean)·rstd, g = dy·gamma
//	dx = rstd·(g - mean(g) - xhat·mean(g·xhat))
//	dgamma += dy·xhat, dbeta += dy
//
// dx may alias dy or x.
func LayerNormBackwardRow(dx, dgamma, dbeta, dy, x, gamma []float32, mean, rstd float32) {
	n := len(x)
	sameLen("LayerNormBackwardRow", n, "x, dx, dgamma, dbeta, dy, gamma", len(dx), len(dgamma), len(dbeta), len(dy), len(gamma))
	if n == 0 {
		return
	}
	rowImpl.layerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd)
}
