//go:build amd64 && !purego

package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/simd"
)

// The AVX-512 lane transforms match the Go forms on every lane, with the
// strides the 2-D transforms use (FMA rounding differs: tolerance 1e-6
// relative to the operands' scale).
func TestWinogradLanesAsmMatchGo(t *testing.T) {
	if !simd.Supported(simd.AVX512) {
		t.Skip("AVX-512 is not available on this CPU: only the Go lane transforms run here")
	}
	r := rand.New(rand.NewPCG(4, 4))
	var in [WinoX]WinoLanes
	for k := range in {
		copy(in[k][:], randomWeights(r, WinoGroup))
	}
	for _, tc := range []struct {
		name       string
		asm, gofn  func(d []WinoLanes, s int, o []WinoLanes, so int)
		s, so, out int
	}{
		{"Bt", func(d []WinoLanes, s int, o []WinoLanes, so int) { WinoBtZ(&d[0][0], s, &o[0][0], so) }, WinoBtGo, WinoA, 1, WinoA},
		{"At", func(d []WinoLanes, s int, o []WinoLanes, so int) { WinoAtZ(&d[0][0], s, &o[0][0], so) }, WinoAtGo, 1, WinoA, WinoM},
		{"A1", func(d []WinoLanes, s int, o []WinoLanes, so int) { WinoA1Z(&d[0][0], s, &o[0][0], so) }, WinoA1Go, WinoM, WinoM, WinoA},
	} {
		var got, want [WinoX]WinoLanes
		tc.asm(in[:], tc.s, got[:], tc.so)
		tc.gofn(in[:], tc.s, want[:], tc.so)
		for k := 0; k < tc.out; k++ {
			for j := range got[k*tc.so] {
				g, w := got[k*tc.so][j], want[k*tc.so][j]
				if math.Abs(float64(g-w)) > 1e-5 {
					t.Fatalf("%s: output %d lane %d = %g, Go gives %g", tc.name, k, j, g, w)
				}
			}
		}
		for i := range got { // nothing outside the outputs is written
			if i%tc.so == 0 && i/tc.so < tc.out {
				continue
			}
			if got[i] != (WinoLanes{}) {
				t.Fatalf("%s: wrote lane vector %d, outside its outputs", tc.name, i)
			}
		}
	}
}

// randomWeights draws n values uniform in [-1, 1).
func randomWeights(r *rand.Rand, n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 2*r.Float32() - 1
	}
	return w
}
