//go:build amd64 && !purego

package simd

//go:noescape
func adamWZ(p, grad, m, v *float32, n int, decay, b1, b2, stepSize, invSqrtBc2, eps float32)

var adamWAVX512 = func(p, g, m, v []float32, c AdamWCoef) {
	adamWZ(&p[0], &g[0], &m[0], &v[0], len(p), c.Decay, c.Beta1, c.Beta2, c.StepSize, c.InvSqrtBc2, c.Eps)
}
