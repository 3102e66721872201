package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/mmpoison/mmpoison/simd"
)

// bf16 keeps 8 significant bits, so rounding one operand moves it by at most
// a relative u = 2⁻⁸ and a product of two rounded operands by at most
// 2u + u². An output (or gradient) element that sums k products p_i then
// differs from its fp32 value by at most (2u + u²)·Σ|p_i| plus the float32
// summation error of both runs (≤ k·2⁻²⁴·Σ|p_i| each). Σ|p_i| is the same
// bilinear op applied to the absolute values, which the tests compute by
// running the op on |inputs| with |loss weights|.
const bf16U = 1.0 / 256

func bf16Bound(k int) float64 { return 2*bf16U + bf16U*bf16U + 2*float64(k)*math.Pow(2, -24) }

type precisionOp func(g *Tape, in []*Tensor) *Tensor

// roundEveryGEMM makes BF16 mode round every GEMM, however small, for the
// length of the test.
func roundEveryGEMM(t *testing.T) {
	old := BF16MinWork
	BF16MinWork = 0
	t.Cleanup(func() { BF16MinWork = old })
}

// precisionRun is one forward and backward pass of op at precision p with the
// loss Σ w⊙op(inputs); it returns the output and the input gradients.
func precisionRun(p Precision, inputs []*Tensor, w []float32, op precisionOp) (out []float32, grads [][]float32) {
	for _, in := range inputs {
		in.ZeroGrad()
	}
	g := NewTape()
	if old := g.SetPrecision(p); old != FP32 {
		panic("a new tape must start in FP32")
	}
	y := op(g, inputs)
	out = append([]float32(nil), y.Data...)
	g.Backward(convTestLoss(g, y, w))
	for _, in := range inputs {
		grads = append(grads, append([]float32(nil), in.Grad...))
	}
	return out, grads
}

func absOf(v []float32) []float32 {
	a := make([]float32, len(v))
	for i, x := range v {
		a[i] = float32(math.Abs(float64(x)))
	}
	return a
}

// checkBF16 runs op in FP32, in BF16, and in FP32 on absolute values, and
// checks every BF16 result lies within the bf16 bound of the FP32 one yet
// differs from it (so the bf16 path really ran). exact marks inputs whose
// gradient never goes through a GEMM (biases): those must match bit for bit.
// k is the longest sum of the op, for the float32 slack.
func checkBF16(t *testing.T, name string, k int, inputs []*Tensor, exact map[int]bool, op precisionOp) {
	t.Helper()
	roundEveryGEMM(t)
	var abs []*Tensor
	for _, in := range inputs {
		a := Param(in.Shape...)
		copy(a.Data, absOf(in.Data))
		abs = append(abs, a)
	}
	probe := op(NewTape(), inputs)
	w := convTestWeights(newRNG(5), len(probe.Data))
	outF, gradF := precisionRun(FP32, inputs, w, op)
	outB, gradB := precisionRun(BF16, inputs, w, op)
	outA, gradA := precisionRun(FP32, abs, absOf(w), op)

	bound := bf16Bound(k)
	compare := func(what string, got, want, scale []float32) {
		t.Helper()
		maxRel := 0.0
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want[i]))
			if lim := bound * float64(scale[i]); d > lim || math.IsNaN(float64(got[i])) {
				t.Fatalf("%s %s[%d]: bf16 %g, fp32 %g: differ by %.3g, beyond the bf16 bound %.3g", name, what, i, got[i], want[i], d, lim)
			}
			if scale[i] > 0 {
				maxRel = max(maxRel, d/float64(scale[i]))
			}
		}
		// Random operands are almost never bf16 values, so some element
		// must move by far more than float32 rounding could explain.
		if maxRel < 1.0/4096 {
			t.Errorf("%s %s: bf16 matches fp32 to %.3g (relative): the bf16 path did not run", name, what, maxRel)
		}
	}
	compare("output", outB, outF, outA)
	for i := range inputs {
		what := fmt.Sprintf("grad of input %d", i)
		if exact[i] {
			for j := range gradB[i] {
				if gradB[i][j] != gradF[i][j] {
					t.Fatalf("%s %s[%d]: bf16 %g, fp32 %g: a GEMM-free gradient must not change", name, what, j, gradB[i][j], gradF[i][j])
				}
			}
			continue
		}
		compare(what, gradB[i], gradF[i], gradA[i])
	}
}

func TestBF16MatMul(t *testing.T) {
	rng := newRNG(1)
	for _, c := range []struct{ batch, m, n, k int }{{1, 17, 33, 65}, {3, 7, 40, 24}, {1, 1, 63, 129}} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				as := []int{c.m, c.k}
				if ta {
					as = []int{c.k, c.m}
				}
				bs := []int{c.k, c.n}
				if tb {
					bs = []int{c.n, c.k}
				}
				if c.batch > 1 {
					as, bs = append([]int{c.batch}, as...), append([]int{c.batch}, bs...)
				}
				a, b := randParam(rng, -1, 1, as...), randParam(rng, -1, 1, bs...)
				name := "MatMul" + shapeName(as) + shapeName(bs)
				checkBF16(t, name, max(c.m, c.n, c.k), []*Tensor{a, b}, nil, func(g *Tape, in []*Tensor) *Tensor {
					return g.MatMul(in[0], in[1], ta, tb)
				})
			}
		}
	}
}

// TestBF16MatMulRoundsOperands compares the BF16 product with a float64 loop
// over operands rounded to bf16: they agree to float32 summation accuracy,
// so BF16 mode computes exactly bf16(A)·bf16(B) with float32 sums.
func TestBF16MatMulRoundsOperands(t *testing.T) {
	rng := newRNG(2)
	m, n, k := 19, 37, 70
	a, b := randConst(rng, -2, 2, m, k), randConst(rng, -2, 2, n, k)
	roundEveryGEMM(t)
	g := NewTape()
	g.SetPrecision(BF16)
	y := g.MatMul(a, b, false, true)
	for i := range m {
		for j := range n {
			var want, scale float64
			for p := range k {
				x := float64(simd.RoundBF16(a.Data[i*k+p])) * float64(simd.RoundBF16(b.Data[j*k+p]))
				want += x
				scale += math.Abs(x)
			}
			if d := math.Abs(float64(y.Data[i*n+j]) - want); d > 2*float64(k)*math.Pow(2, -24)*scale {
				t.Fatalf("y[%d,%d] = %g, bf16-operand reference %g (diff %.3g)", i, j, y.Data[i*n+j], want, d)
			}
		}
	}
}

func TestBF16Linear(t *testing.T) {
	rng := newRNG(3)
	x, w, b := randParam(rng, -1, 1, 2, 9, 48), randParam(rng, -1, 1, 35, 48), randParam(rng, -1, 1, 35)
	checkBF16(t, "Linear", 48, []*Tensor{x, w, b}, map[int]bool{2: true}, func(g *Tape, in []*Tensor) *Tensor {
		return g.Linear(in[0], in[1], in[2])
	})
}

// TestBF16Conv2d checks the conv routes in BF16 mode against the bf16
// bound, with the default bands (whole images at these sizes) and with
// bands of one output row, as the fp32 band tests do.
func TestBF16Conv2d(t *testing.T) {
	rng := newRNG(4)
	for _, oneRow := range []bool{false, true} {
		if oneRow {
			oldBand, oldMin := convBandFloats, convMinBandCols
			convBandFloats, convMinBandCols = 1, 1
			t.Cleanup(func() { convBandFloats, convMinBandCols = oldBand, oldMin })
		}
		for _, c := range []struct{ n, ch, hw, o, kk, stride, pad int }{
			{3, 5, 9, 7, 3, 1, 1},  // im2col, several images (batch-parallel tasks), flipped-weight dX
			{1, 4, 11, 6, 3, 2, 0}, // strided, one image (parallel GEMM), scatter dX
			{2, 16, 5, 9, 1, 1, 0}, // 1x1 direct
			{4, 3, 16, 8, 4, 4, 0}, // patch embedding: grouped small planes
		} {
			x := randParam(rng, -1, 1, c.n, c.ch, c.hw, c.hw)
			w := randParam(rng, -1, 1, c.o, c.ch, c.kk, c.kk)
			b := randParam(rng, -1, 1, c.o)
			k := max(c.ch*c.kk*c.kk, c.o, c.n*c.hw*c.hw)
			name := fmt.Sprintf("Conv2d%v/oneRowBands=%v", w.Shape, oneRow)
			checkBF16(t, name, k, []*Tensor{x, w, b}, map[int]bool{2: true}, func(g *Tape, in []*Tensor) *Tensor {
				return g.Conv2d(in[0], in[1], in[2], c.stride, c.pad)
			})
		}
	}
}

// On a BF16 tape a Winograd-shaped layer either takes the direct path
// (bf16 GEMMs, within the bf16 bound) or, at planes up to winoBF16MaxSide,
// Winograd with fp32 GEMMs: bit-identical to an FP32 tape's Winograd.
func TestBF16Conv2dWinograd(t *testing.T) {
	winoForce(t, true, 8)
	defer func(side int) { winoBF16MaxSide = side }(winoBF16MaxSide)
	rng := newRNG(7)
	x := randParam(rng, -1, 1, 3, 6, 9, 9)
	w := randParam(rng, -1, 1, 5, 6, 3, 3)
	b := randParam(rng, -1, 1, 5)
	op := func(g *Tape, in []*Tensor) *Tensor { return g.Conv2d(in[0], in[1], in[2], 1, 1) }
	winoBF16MaxSide = 8 // the 9x9 planes are too large: direct path
	checkBF16(t, "Conv2d winograd-shaped", 3*9*9, []*Tensor{x, w, b}, map[int]bool{2: true}, op)

	winoBF16MaxSide = 9
	lw := convTestWeights(newRNG(8), 3*5*9*9)
	outF, gradF := precisionRun(FP32, []*Tensor{x, w, b}, lw, op)
	outB, gradB := precisionRun(BF16, []*Tensor{x, w, b}, lw, op)
	for what, pair := range map[string][2][]float32{"y": {outB, outF}, "dx": {gradB[0], gradF[0]}, "dw": {gradB[1], gradF[1]}} {
		for i := range pair[0] {
			if pair[0][i] != pair[1][i] {
				t.Fatalf("Winograd on a BF16 tape: %s[%d] = %g, FP32 tape %g: its GEMMs must stay fp32", what, i, pair[0][i], pair[1][i])
			}
		}
	}
}

// GEMMs below BF16MinWork stay fp32 in BF16 mode: bit-identical to FP32.
// Those at or above it are rounded.
func TestBF16MinWork(t *testing.T) {
	rng := newRNG(6)
	a, b := randConst(rng, -1, 1, 8, 16), randConst(rng, -1, 1, 16, 4)
	old := BF16MinWork
	t.Cleanup(func() { BF16MinWork = old })
	fp := NewTape().MatMul(a, b, false, false)
	g := NewTape()
	g.SetPrecision(BF16)
	for _, c := range []struct {
		minWork int
		same    bool
	}{{8*16*4 + 1, true}, {8 * 16 * 4, false}} {
		BF16MinWork = c.minWork
		y := g.MatMul(a, b, false, false)
		same := true
		for i := range y.Data {
			same = same && y.Data[i] == fp.Data[i]
		}
		if same != c.same {
			t.Errorf("BF16MinWork %d, GEMM of %d multiply-adds: bit-identical to fp32 is %v, want %v", c.minWork, 8*16*4, same, c.same)
		}
	}
}

func TestParsePrecision(t *testing.T) {
	for s, want := range map[string]Precision{"": FP32, "fp32": FP32, "bf16": BF16} {
		if p, err := ParsePrecision(s); err != nil || p != want {
			t.Errorf("ParsePrecision(%q) = %v, %v; want %v", s, p, err, want)
		}
	}
	if _, err := ParsePrecision("fp16"); err == nil {
		t.Error("ParsePrecision(fp16) succeeded; want an error naming the choices")
	}
	if BF16.String() != "bf16" || FP32.String() != "fp32" {
		t.Errorf("String: %v %v", BF16, FP32)
	}
}

func shapeName(s []int) string { return fmt.Sprint(s) }

// Attention's GEMM path multiplies in bf16 on BF16 tapes: outputs and
// gradients stay within a few bf16 steps of fp32 (scores of |q·k|/8 ≲ 2
// move by ≲ 2⁻⁷ relative, so the softmax-weighted sums move by about that
// much of their size) yet differ from it; the row kernels used for short
// sequences stay fp32, bit-identical.
func TestBF16Attention(t *testing.T) {
	roundEveryGEMM(t)
	defer func(old int) { attnRowsMaxWork = old }(attnRowsMaxWork)
	rng := newRNG(9)
	qkv := randParam(rng, -1, 1, 2, 19, 3*64)
	w := convTestWeights(rng, 2*19*64)
	op := func(g *Tape, in []*Tensor) *Tensor { return g.AttentionQKV(in[0], 2, true) }
	for _, rows := range []bool{false, true} {
		attnRowsMaxWork = 0
		if rows {
			attnRowsMaxWork = 1 << 30
		}
		outF, gradF := precisionRun(FP32, []*Tensor{qkv}, w, op)
		outB, gradB := precisionRun(BF16, []*Tensor{qkv}, w, op)
		for what, pair := range map[string][2][]float32{"out": {outB, outF}, "grad": {gradB[0], gradF[0]}} {
			got, want := pair[0], pair[1]
			var maxDiff, scale float64
			for i := range got {
				maxDiff = max(maxDiff, math.Abs(float64(got[i])-float64(want[i])))
				scale = max(scale, math.Abs(float64(want[i])))
			}
			switch {
			case rows && maxDiff != 0:
				t.Errorf("row kernels, %s: bf16 tape differs from fp32 by %.3g; they have no GEMM to round", what, maxDiff)
			case !rows && maxDiff > scale/32:
				t.Errorf("GEMM path, %s: bf16 differs from fp32 by %.3g, beyond 1/32 of the largest value %.3g", what, maxDiff, scale)
			case !rows && maxDiff < scale/1e4:
				t.Errorf("GEMM path, %s: bf16 matches fp32 to %.3g of %.3g: the bf16 GEMMs did not run", what, maxDiff, scale)
			}
		}
	}
}
