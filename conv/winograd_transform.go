package conv

// Winograd F(4x4,3x3) (Lavin & Gray 2016, interpolation points 0, ±1, ±2, ∞):
// a 4x4 output tile Y of a 3x3 convolution of a 6x6 input tile d is
//
//	Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
//
// with 36 multiplications instead of 144. The matrices (rows):
//
//	Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// Every 2-D transform applies its 1-D matrix to the columns and then to the
// rows of a row-major tile. The data transforms (Bᵀ, Aᵀ, A) run on groups of
// tiles (winograd_lanes.go); the kernel ones (G, Gᵀ) below, once per
// kernel, one at a time.
const (
	WinoM = 4         // output tile side
	WinoA = WinoM + 2 // input tile side (alpha)
	WinoX = WinoA * WinoA
)

// Reciprocals of G's denominators: multiplying is several times cheaper
// than dividing, and the kernel transforms run for every (O, C) pair.
const (
	winoR4  = float32(1.0 / 4)
	winoR6  = float32(1.0 / 6)
	winoR12 = float32(1.0 / 12)
	winoR24 = float32(1.0 / 24)
)

// WinoG is G·g for a 3-vector at stride s (6 results at stride so).
func WinoG(g []float32, s int, out []float32, so int) {
	g0, g1, g2 := g[0], g[s], g[2*s]
	out[0] = g0 * winoR4
	out[so] = -(g0 + g1 + g2) * winoR6
	out[2*so] = -(g0 - g1 + g2) * winoR6
	out[3*so] = g0*winoR24 + g1*winoR12 + g2*winoR6
	out[4*so] = g0*winoR24 - g1*winoR12 + g2*winoR6
	out[5*so] = g2
}

// WinoKernel sets u = G k Gᵀ for a 3x3 kernel k (row-major, 9 floats).
func WinoKernel(k []float32, u *[WinoX]float32) {
	var t [WinoA * 3]float32 // 6 rows × 3 columns
	for j := 0; j < 3; j++ {
		WinoG(k[j:], 3, t[j:], 3)
	}
	for i := 0; i < WinoA; i++ {
		WinoG(t[i*3:], 1, u[i*WinoA:], 1)
	}
}

// WinoGt is Gᵀ·v for a 6-vector at stride s (3 results at stride so): the
// transpose of WinoG, carrying Winograd-domain weight gradients back to 3x3.
func WinoGt(v []float32, s int, out []float32, so int) {
	v0, v1, v2, v3, v4, v5 := v[0], v[s], v[2*s], v[3*s], v[4*s], v[5*s]
	out[0] = v0*winoR4 - (v1+v2)*winoR6 + (v3+v4)*winoR24
	out[so] = (v2-v1)*winoR6 + (v3-v4)*winoR12
	out[2*so] = (v3+v4-v1-v2)*winoR6 + v5
}

// WinoGradKernel sets dk (3x3) = Gᵀ du G for a 6x6 Winograd-domain gradient du.
func WinoGradKernel(du *[WinoX]float32, dk []float32) {
	var t [3 * WinoA]float32 // 3 rows × 6 columns
	for j := 0; j < WinoA; j++ {
		WinoGt(du[j:], WinoA, t[j:], WinoA)
	}
	for i := 0; i < 3; i++ {
		WinoGt(t[i*WinoA:], 1, dk[i*3:], 1)
	}
}
