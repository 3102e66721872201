package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNorm2dFarFromZero feeds channels whose mean is large next to
// their spread (1000 ± 1 and -50 ± 0.05) over many planes: batch statistics
// (read back through running stats with momentum 1) must match float64 to
// float32 precision, and y must be within a few float32 roundings of the
// mean (|mean|·2^-24·invStd) of the float64 reference. A one-pass
// Σx² - n·mean² would lose every digit of these variances.
func TestBatchNorm2dFarFromZero(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	n, c, h, w := 24, 2, 7, 9 // planes of 63: vector loops plus a masked tail
	x := New(make([]float32, n*c*h*w), n, c, h, w)
	centre, spread := []float32{1000, -50}, []float32{1, 0.05}
	for img := 0; img < n; img++ {
		for ch := 0; ch < c; ch++ {
			off := (img*c + ch) * h * w
			for i := 0; i < h*w; i++ {
				x.Data[off+i] = centre[ch] + spread[ch]*(2*r.Float32()-1)
			}
		}
	}
	gamma, beta := []float32{1.5, 0.5}, []float32{0.25, -1}
	refMean, refVar := make([]float64, c), make([]float64, c)
	want := bnTestReference(x, gamma, beta, refMean, refVar, 1, 1e-5)
	runMean, runVar := make([]float32, c), make([]float32, c)
	g := NewTape()
	y := g.BatchNorm2d(x, New(gamma, c), New(beta, c), runMean, runVar, true, 1, 1e-5)
	for ch := 0; ch < c; ch++ {
		if d := math.Abs(float64(runMean[ch]) - refMean[ch]); d > math.Abs(refMean[ch])*1e-7 {
			t.Errorf("channel %d mean = %g, want %g", ch, runMean[ch], refMean[ch])
		}
		if d := math.Abs(float64(runVar[ch]) - refVar[ch]); d > refVar[ch]*1e-5 {
			t.Errorf("channel %d variance = %g, want %g (rel. error %.2g)", ch, runVar[ch], refVar[ch], d/refVar[ch])
		}
	}
	plane := h * w
	for i, v := range y.Data {
		ch := (i / plane) % c
		invStd := 1 / math.Sqrt(refVar[ch]*float64(n*plane-1)/float64(n*plane)+1e-5)
		tol := 4*math.Abs(float64(centre[ch]))*math.Ldexp(1, -24)*invStd*float64(gamma[ch]) + 1e-6
		if d := math.Abs(float64(v) - want[i]); d > tol {
			t.Fatalf("y[%d] (channel %d) = %g, want %g (error %.2g > %.2g)", i, ch, v, want[i], d, tol)
		}
	}
}
