package simd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// layerNormWidths are the row widths the layer norm paths are compared on:
// below, at and around one and two 16-lane vectors, the unrolled blocks,
// and the model widths.
var layerNormWidths = []int{1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 256, 257, 768}

// normal returns n values mean + sd·N(0,1).
func normal(rng *rand.Rand, n int, mean, sd float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(mean + sd*rng.NormFloat64())
	}
	return s
}

// rowWithGuard returns a slice of n zeros followed, beyond its length and
// capacity, by a full vector and more of guard values that a kernel writing
// past n would change.
func rowWithGuard(n int) (s, buf []float32) {
	buf = make([]float32, n+32)
	for i := range buf[n:] {
		buf[n+i] = -7777
	}
	return buf[:n:n], buf
}

func checkGuard(t *testing.T, what string, n int, buf []float32) {
	t.Helper()
	for i, v := range buf[n:] {
		if v != -7777 {
			t.Fatalf("%s n=%d wrote past the row: [%d] = %g", what, n, n+i, v)
		}
	}
}

// relClose reports |got - want| <= tol·max(1, |want|).
func relClose(got, want float32, tol float64) bool {
	return math.Abs(float64(got)-float64(want)) <= tol*max(1, math.Abs(float64(want)))
}

// TestLayerNormMatchesGo compares the active level's layer norm (forward
// and backward) with the Go path on typical data, to 1e-6 relative, and
// checks that nothing is written past the row.
func TestLayerNormMatchesGo(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, n := range layerNormWidths {
			x, dy := normal(rng, n, 0.3, 1), normal(rng, n, 0, 1)
			gamma, beta := normal(rng, n, 1, 0.2), normal(rng, n, 0, 0.2)
			dst, dstBuf := rowWithGuard(n)
			mean, rstd := LayerNormRow(dst, x, gamma, beta, 1e-5)
			want := make([]float32, n)
			wantMean, wantRstd := layerNormGo(want, x, gamma, beta, 1e-5)
			checkGuard(t, "LayerNormRow", n, dstBuf)
			if !relClose(mean, wantMean, 1e-6) || !relClose(rstd, wantRstd, 1e-6) {
				t.Fatalf("LayerNormRow n=%d mean, rstd = %g, %g; Go path %g, %g", n, mean, rstd, wantMean, wantRstd)
			}
			for i := range dst {
				if !relClose(dst[i], want[i], 1e-6) {
					t.Fatalf("LayerNormRow n=%d [%d] = %.9g, Go path %.9g", n, i, dst[i], want[i])
				}
			}

			dx, dxBuf := rowWithGuard(n)
			dgamma, dgBuf := rowWithGuard(n)
			dbeta, dbBuf := rowWithGuard(n)
			wdx, wdg, wdb := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range n {
				dgamma[i], dbeta[i] = float32(i%5)-2, 0.5 // accumulated into, not overwritten
				wdg[i], wdb[i] = dgamma[i], dbeta[i]
			}
			LayerNormBackwardRow(dx, dgamma, dbeta, dy, x, gamma, wantMean, wantRstd)
			layerNormBackwardGo(wdx, wdg, wdb, dy, x, gamma, wantMean, wantRstd)
			checkGuard(t, "LayerNormBackwardRow dx", n, dxBuf)
			checkGuard(t, "LayerNormBackwardRow dgamma", n, dgBuf)
			checkGuard(t, "LayerNormBackwardRow dbeta", n, dbBuf)
			for i := range n {
				if !relClose(dx[i], wdx[i], 1e-6) || !relClose(dgamma[i], wdg[i], 1e-6) || !relClose(dbeta[i], wdb[i], 1e-6) {
					t.Fatalf("LayerNormBackwardRow n=%d [%d] dx, dgamma, dbeta = %.9g, %.9g, %.9g; Go path %.9g, %.9g, %.9g",
						n, i, dx[i], dgamma[i], dbeta[i], wdx[i], wdg[i], wdb[i])
				}
			}
		}
	})
}

// TestLayerNormLargeMean checks rows 1e4 + N(0,1), where a one-pass
// E[x²] - E[x]² variance would lose every digit, against float64 statistics
// of the same float32 inputs.
func TestLayerNormLargeMean(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(43, 44))
		for _, n := range layerNormWidths[1:] { // n = 1 has no spread to measure
			x := normal(rng, n, 1e4, 1)
			ones, zeros := make([]float32, n), make([]float32, n)
			for i := range ones {
				ones[i] = 1
			}
			var mu, v float64
			for _, a := range x {
				mu += float64(a)
			}
			mu /= float64(n)
			for _, a := range x {
				v += (float64(a) - mu) * (float64(a) - mu)
			}
			r := 1 / math.Sqrt(v/float64(n)+1e-5)
			dst := make([]float32, n)
			mean, rstd := LayerNormRow(dst, x, ones, zeros, 1e-5)
			if math.Abs(float64(mean)-mu) > 1e-3 || math.Abs(float64(rstd)/r-1) > 1e-5 {
				t.Fatalf("LayerNormRow n=%d mean, rstd = %.9g, %.9g; float64 %.9g, %.9g", n, mean, rstd, mu, r)
			}
			for i, a := range x {
				if want := (float64(a) - mu) * r; math.Abs(float64(dst[i])-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("LayerNormRow n=%d [%d] = %.9g, float64 %.9g", n, i, dst[i], want)
				}
			}
		}
	})
}

// TestLayerNormAliasing runs the kernels in place (dst = x forward, dx = dy
// backward), as callers may, and expects the out-of-place results exactly.
func TestLayerNormAliasing(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(45, 46))
		for _, n := range []int{17, 257} {
			x, dy := normal(rng, n, 0, 1), normal(rng, n, 0, 1)
			gamma, beta := normal(rng, n, 1, 0.2), normal(rng, n, 0, 0.2)
			want, wdx := make([]float32, n), make([]float32, n)
			mean, rstd := LayerNormRow(want, x, gamma, beta, 1e-5)
			LayerNormBackwardRow(wdx, make([]float32, n), make([]float32, n), dy, x, gamma, mean, rstd)

			got := slices.Clone(x)
			LayerNormRow(got, got, gamma, beta, 1e-5)
			gdx := slices.Clone(dy)
			LayerNormBackwardRow(gdx, make([]float32, n), make([]float32, n), gdx, x, gamma, mean, rstd)
			if !slices.Equal(got, want) || !slices.Equal(gdx, wdx) {
				t.Fatalf("n=%d: in-place results differ from out-of-place ones", n)
			}
		}
	})
}

// TestLayerNormNaN expects a NaN in the row to make every output NaN, on
// every path (no lane or the max(var, 0) clamp may hide it).
func TestLayerNormNaN(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, n := range []int{7, 40} {
			x, ones, zeros := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range x {
				x[i], ones[i] = float32(i), 1
			}
			x[n-1] = float32(math.NaN())
			dst := make([]float32, n)
			if _, rstd := LayerNormRow(dst, x, ones, zeros, 1e-5); !math.IsNaN(float64(rstd)) || !math.IsNaN(float64(dst[0])) {
				t.Fatalf("n=%d: NaN input gave rstd %g, dst[0] %g", n, rstd, dst[0])
			}
		}
	})
}

// TestLayerNormKernelReported checks that cpuinfo's table names the
// implementation that actually serves layer norm at each level.
func TestLayerNormKernelReported(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		want := "go"
		if Active() >= AVX512 && rowsAVX512 != nil {
			want = "avx512"
		}
		for _, op := range []string{"layernorm", "layernorm_backward"} {
			if !slices.Contains(Kernels(), op+": "+want) {
				t.Fatalf("Kernels() = %v, want %q", Kernels(), op+": "+want)
			}
		}
	})
}

// TestLayerNormConstantRow expects a row with no spread to give mean = the
// value, rstd = 1/sqrt(eps) and dst = beta (the variance clamps at 0, never
// going negative through rounding).
func TestLayerNormConstantRow(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(47, 48))
		for _, n := range layerNormWidths {
			x, gamma, beta := make([]float32, n), normal(rng, n, 1, 0.2), normal(rng, n, 0, 1)
			for i := range x {
				x[i] = 3.7
			}
			dst := make([]float32, n)
			mean, rstd := LayerNormRow(dst, x, gamma, beta, 1e-3)
			if wantRstd := 1 / math.Sqrt(float64(float32(1e-3))); !relClose(mean, 3.7, 1e-6) || math.Abs(float64(rstd)/wantRstd-1) > 1e-6 {
				t.Fatalf("n=%d: mean, rstd = %.9g, %.9g; want 3.7, %.9g", n, mean, rstd, wantRstd)
			}
			for i := range dst {
				if !relClose(dst[i], beta[i], 1e-6) {
					t.Fatalf("n=%d: dst[%d] = %.9g, want beta %.9g", n, i, dst[i], beta[i])
				}
			}
		}
	})
}
