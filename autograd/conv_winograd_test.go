package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/conv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// winoForce routes every stride-1 pad-1 3x3 convolution through Winograd
// (on), or none (off), with chunks of chunkTiles tiles, until the test ends.
func winoForce(t *testing.T, on bool, chunkTiles int) {
	oldMin, oldSide, oldChunk := winoMinChannels, winoMaxSide, winoChunkTiles
	winoMinChannels, winoMaxSide, winoChunkTiles = 1, math.MaxInt, chunkTiles
	if !on {
		winoMinChannels = math.MaxInt
	}
	t.Cleanup(func() { winoMinChannels, winoMaxSide, winoChunkTiles = oldMin, oldSide, oldChunk })
}

// A group of 6x6 tiles through the transforms equals, lane by lane, the 4x4
// valid cross-correlation with a 3x3 kernel, computed directly in float64.
func TestWinogradTileMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var d, v [conv.WinoX]conv.WinoLanes
	for k := range d {
		copy(d[k][:], convTestWeights(r, conv.WinoGroup))
	}
	kern := convTestWeights(r, 9)
	var u [conv.WinoX]float32
	conv.WinoKernel(kern, &u)
	conv.WinoInputLanes(&d, &v)
	for k := range v {
		for j := range v[k] {
			v[k][j] *= u[k]
		}
	}
	var y [conv.WinoM * conv.WinoM]conv.WinoLanes
	conv.WinoOutputLanes(&v, &y)
	for j := 0; j < conv.WinoGroup; j++ {
		for i := 0; i < conv.WinoM; i++ {
			for c := 0; c < conv.WinoM; c++ {
				var want float64
				for a := 0; a < 3; a++ {
					for b := 0; b < 3; b++ {
						want += float64(d[(i+a)*conv.WinoA+c+b][j]) * float64(kern[a*3+b])
					}
				}
				if got := y[i*conv.WinoM+c][j]; math.Abs(float64(got)-want) > 1e-5 {
					t.Fatalf("lane %d: y[%d][%d] = %g, want %g", j, i, c, got, want)
				}
			}
		}
	}
}

// The gradient transforms are the adjoints of the forward ones, lane by lane:
// <A e Aᵀ, m> = <e, Aᵀ m A> and <Gᵀ du G, k> = <du, G k Gᵀ>.
func TestWinogradGradTransformsAreAdjoints(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	var e, y [conv.WinoM * conv.WinoM]conv.WinoLanes
	var m, em [conv.WinoX]conv.WinoLanes
	for k := range e {
		copy(e[k][:], convTestWeights(r, conv.WinoGroup))
	}
	for k := range m {
		copy(m[k][:], convTestWeights(r, conv.WinoGroup))
	}
	conv.WinoOutputLanes(&m, &y)
	conv.WinoGradOutputLanes(&e, &em)
	for j := 0; j < conv.WinoGroup; j++ {
		var a, b float64
		for k := range em {
			a += float64(em[k][j]) * float64(m[k][j])
		}
		for k := range e {
			b += float64(e[k][j]) * float64(y[k][j])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(b)) {
			t.Fatalf("lane %d: <A e Aᵀ, m> = %g, <e, Aᵀ m A> = %g", j, a, b)
		}
	}
	for trial := 0; trial < 20; trial++ {
		var du, uk [conv.WinoX]float32
		copy(du[:], convTestWeights(r, conv.WinoX))
		k := convTestWeights(r, 9)
		dk := make([]float32, 9)
		conv.WinoGradKernel(&du, dk)
		conv.WinoKernel(k, &uk)
		var a, b float64
		for i := range dk {
			a += float64(dk[i]) * float64(k[i])
		}
		for i := range du {
			b += float64(du[i]) * float64(uk[i])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(b)) {
			t.Fatalf("trial %d: <Gᵀ du G, k> = %g, <du, G k Gᵀ> = %g", trial, a, b)
		}
	}
}

// winoCases are forced through Winograd: odd planes (partial edge tiles),
// planes smaller than one tile, batch 1 and 3, channels 1, 3 and 17.
var winoCases = []convCase{
	{1, 1, 7, 7, 1, 3, 1, 1, false},
	{3, 3, 9, 9, 2, 3, 1, 1, true},
	{3, 17, 8, 8, 5, 3, 1, 1, true},
	{1, 17, 5, 11, 17, 3, 1, 1, false},
	{3, 3, 1, 2, 4, 3, 1, 1, true},
	{3, 2, 13, 6, 3, 3, 1, 1, false},
}

// Forward against the float64 direct convolution, with chunks of one image
// and of several, on one and two threads.
func TestWinogradForwardMatchesNaive(t *testing.T) {
	for _, chunk := range []int{1, 64} {
		winoForce(t, true, chunk)
		for _, threads := range []int{1, 2} {
			old := parallel.SetThreads(threads)
			for _, cc := range winoCases {
				r := rand.New(rand.NewPCG(7, uint64(cc.c*100+cc.h)))
				x, w, b := cc.tensors(r)
				got := NewTape().Conv2d(x, w, b, 1, 1)
				want := naiveConv2d(x, w, b, 1, 1)
				for i, v := range got.Data {
					if math.Abs(float64(v)-want[i]) > 2e-5*float64(cc.c*9) {
						t.Fatalf("%v chunk %d threads %d: element %d = %g, want %g", cc, chunk, threads, i, v, want[i])
					}
				}
			}
			parallel.SetThreads(old)
		}
	}
}

// convGrads runs Conv2d forward and backward with loss weights and returns
// the output and the gradients of x, w and b (nil b gives nil db).
func convGrads(cc convCase, seed uint64) (y, dx, dw, db []float32) {
	r := rand.New(rand.NewPCG(seed, 3))
	x, w, b := cc.tensors(r)
	weights := convTestWeights(r, cc.n*cc.o*cc.h*cc.w)
	g := NewTape()
	out := g.Conv2d(x, w, b, 1, 1)
	y = append([]float32(nil), out.Data...)
	g.Backward(convTestLoss(g, out, weights))
	if b != nil {
		db = b.Grad
	}
	return y, x.Grad, w.Grad, db
}

// Output and gradients of x, w and b match the direct (im2col) path.
func TestWinogradGradsMatchDirect(t *testing.T) {
	for _, cc := range winoCases {
		winoForce(t, false, 0)
		want := [4][]float32{}
		want[0], want[1], want[2], want[3] = convGrads(cc, 9)
		for _, chunk := range []int{1, 64} {
			winoForce(t, true, chunk)
			got := [4][]float32{}
			got[0], got[1], got[2], got[3] = convGrads(cc, 9)
			for k, name := range []string{"y", "dx", "dw", "db"} {
				if err := winoClose(got[k], want[k], 3e-5); err != nil {
					t.Errorf("%v chunk %d: %s: %v", cc, chunk, name, err)
				}
			}
		}
	}
}

// winoClose reports whether got matches want within tol times the RMS of want.
func winoClose(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	var ss float64
	for _, v := range want {
		ss += float64(v) * float64(v)
	}
	limit := tol * math.Sqrt(ss/float64(max(1, len(want))))
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > limit {
			return fmt.Errorf("element %d = %g, want %g (|diff| %g > %g)", i, got[i], want[i], d, limit)
		}
	}
	return nil
}

// Finite differences on a tiny case with edge tiles.
func TestWinogradGradCheck(t *testing.T) {
	winoForce(t, true, 1)
	cc := convCase{2, 2, 5, 6, 3, 3, 1, 1, true}
	r := rand.New(rand.NewPCG(11, 12))
	x, w, b := cc.tensors(r)
	weights := convTestWeights(r, cc.n*cc.o*cc.h*cc.w)
	f := func(g *Tape) *Tensor { return convTestLoss(g, g.Conv2d(x, w, b, 1, 1), weights) }
	if err := GradCheck(f, []*Tensor{x, w, b}, 1e-2, 1e-2, 1e-2); err != nil {
		t.Error(err)
	}
}

// Accuracy at a real layer shape with unit-variance data: the error of the
// Winograd output and gradients against float64 references, relative to the
// RMS of the reference, stays below 1e-4 (measured 2-4e-5; the direct fp32
// path gives 1-2e-6).
func TestWinogradAccuracyUnitVariance(t *testing.T) {
	winoForce(t, true, 256)
	n, c, o, h := 2, 256, 64, 8 // the depth of the 256→256@8 layer's forward sum
	if testing.Short() {
		n, c = 1, 64
	}
	r := rand.New(rand.NewPCG(21, 22))
	normal := func(shape ...int) *Tensor {
		p := Param(shape...)
		for i := range p.Data {
			p.Data[i] = float32(r.NormFloat64())
		}
		return p
	}
	x, w := normal(n, c, h, h), normal(o, c, 3, 3)
	gy := normal(n, o, h, h).Data
	g := NewTape()
	y := g.Conv2d(x, w, nil, 1, 1)
	g.Backward(benchSeedGrad(g, y, gy))

	wantY := naiveConv2d(x, w, nil, 1, 1)
	// dx = conv of dy with the flipped, transposed kernel; dw[oc][ci][a][b] =
	// Σ dy[oc][i][j]·x[ci][i+a-1][j+b-1].
	wantDx, wantDw := make([]float64, len(x.Data)), make([]float64, len(w.Data))
	for img := 0; img < n; img++ {
		for oc := 0; oc < o; oc++ {
			for i := 0; i < h; i++ {
				for j := 0; j < h; j++ {
					d := float64(gy[((img*o+oc)*h+i)*h+j])
					for ci := 0; ci < c; ci++ {
						for a := 0; a < 3; a++ {
							for b := 0; b < 3; b++ {
								yi, xj := i+a-1, j+b-1
								if yi < 0 || yi >= h || xj < 0 || xj >= h {
									continue
								}
								xk := ((img*c+ci)*h+yi)*h + xj
								wk := ((oc*c+ci)*3+a)*3 + b
								wantDx[xk] += d * float64(w.Data[wk])
								wantDw[wk] += d * float64(x.Data[xk])
							}
						}
					}
				}
			}
		}
	}
	for _, tc := range []struct {
		name string
		got  []float32
		want []float64
	}{{"y", y.Data, wantY}, {"dx", x.Grad, wantDx}, {"dw", w.Grad, wantDw}} {
		var ss, maxErr float64
		for i, v := range tc.want {
			ss += v * v
			maxErr = max(maxErr, math.Abs(float64(tc.got[i])-v))
		}
		rel := maxErr / math.Sqrt(ss/float64(len(tc.want)))
		t.Logf("%s: max |error| / RMS = %.2e", tc.name, rel)
		if rel > 1e-4 {
			t.Errorf("%s: max |error| / RMS = %.2e, want <= 1e-4", tc.name, rel)
		}
	}
}

// The dispatch takes Winograd only for stride-1 pad-1 3x3 layers within
// the thresholds; BF16 tapes only up to winoBF16MaxSide.
func TestWinogradFits(t *testing.T) {
	g := NewTape()
	for _, tc := range []struct {
		c, o, h, k, s, p int
		bf16             bool
		want             bool
	}{
		{winoMinChannels, winoMinChannels, winoMaxSide, 3, 1, 1, false, true},
		{winoMinChannels, winoMinChannels, winoMaxSide, 3, 1, 1, true, winoMaxSide <= winoBF16MaxSide},
		{winoMinChannels, winoMinChannels, winoBF16MaxSide, 3, 1, 1, true, true},
		{winoMinChannels, winoMinChannels, winoBF16MaxSide + 1, 3, 1, 1, true, false},
		{winoMinChannels, winoMinChannels, winoMaxSide, 3, 2, 1, false, false},
		{winoMinChannels, winoMinChannels, winoMaxSide, 3, 1, 0, false, false},
		{winoMinChannels, winoMinChannels, winoMaxSide, 1, 1, 1, false, false},
		{winoMinChannels - 1, winoMinChannels, winoMaxSide, 3, 1, 1, false, false},
		{winoMinChannels, winoMinChannels, winoMaxSide + 1, 3, 1, 1, false, false},
	} {
		g.SetPrecision(FP32)
		if tc.bf16 {
			g.SetPrecision(BF16)
		}
		geo := conv.NewGeom(tc.c, tc.h, tc.h, tc.k, tc.k, tc.s, tc.p)
		if got := winogradFits(g, &geo, tc.o); got != tc.want {
			t.Errorf("%+v: winogradFits = %v, want %v", tc, got, tc.want)
		}
	}
}
