package autograd

import (
	"math"
	"strings"
	"testing"
)

// pagingNet holds the parameters of a small network with the block
// structure of the encoders: a residual conv block as in the basic ResNet
// (im2col convolutions, batch norm, in-place ReLU and add), then a pre-LN
// transformer block (LayerNorm, qkv, attention, residual adds, GELU MLP).
// Every intermediate has at least pageMinFloats elements.
type pagingNet struct {
	x, c1, c2, g1, b1, g2, b2          *Tensor
	ln1g, ln1b, qkvW, qkvB, projW      *Tensor
	ln2g, ln2b, fc1W, fc1B, fc2W, fc2B *Tensor
	target                             *Tensor
}

func newPagingNet() *pagingNet {
	rng := newRNG(51)
	const n, c, s, d = 8, 8, 32, 64 // the conv output reshapes to 1024 tokens of width 64
	p := func(lo, hi float32, shape ...int) *Tensor { return randParam(rng, lo, hi, shape...) }
	return &pagingNet{
		x:  randConst(rng, -1, 1, n, c, s, s),
		c1: p(-0.2, 0.2, c, c, 3, 3), c2: p(-0.2, 0.2, c, c, 3, 3),
		g1: p(0.5, 1.5, c), b1: p(-0.5, 0.5, c), g2: p(0.5, 1.5, c), b2: p(-0.5, 0.5, c),
		ln1g: p(0.5, 1.5, d), ln1b: p(-0.5, 0.5, d), qkvW: p(-0.2, 0.2, 3*d, d), qkvB: p(-0.1, 0.1, 3*d),
		projW: p(-0.2, 0.2, d, d),
		ln2g:  p(0.5, 1.5, d), ln2b: p(-0.5, 0.5, d), fc1W: p(-0.2, 0.2, 4*d, d), fc1B: p(-0.1, 0.1, 4*d),
		fc2W: p(-0.1, 0.1, d, 4*d), fc2B: p(-0.1, 0.1, d),
		target: randConst(rng, -1, 1, n*c*s*s/d, d),
	}
}

func (m *pagingNet) params() []*Tensor {
	return []*Tensor{m.c1, m.c2, m.g1, m.b1, m.g2, m.b2, m.ln1g, m.ln1b, m.qkvW, m.qkvB, m.projW,
		m.ln2g, m.ln2b, m.fc1W, m.fc1B, m.fc2W, m.fc2B}
}

// loss runs the network, calling FreeSince after each block as the
// encoders do when page is set.
func (m *pagingNet) loss(g *Tape, page bool) *Tensor {
	mark := g.Mark()
	endBlock := func(out *Tensor) {
		if page {
			g.FreeSince(mark, out)
		}
	}
	x := g.ReLUInPlace(g.BatchNorm2d(g.Conv2d(m.x, m.c1, nil, 1, 1), m.g1, m.b1, nil, nil, true, 0.1, 1e-5))
	y := g.BatchNorm2d(g.Conv2d(x, m.c2, nil, 1, 1), m.g2, m.b2, nil, nil, true, 0.1, 1e-5)
	x = g.ReLUInPlace(g.AddInPlace(y, x))
	endBlock(x)

	const d = 64
	tok := g.Reshape(x, 16, len(x.Data)/(16*d), d)
	qkv := g.Linear(g.LayerNorm(tok, m.ln1g, m.ln1b, 1e-5), m.qkvW, m.qkvB)
	h := g.Add(tok, g.Linear(g.AttentionQKV(qkv, 4, false), m.projW, nil))
	mlp := g.Linear(g.GELU(g.Linear(g.LayerNorm(h, m.ln2g, m.ln2b, 1e-5), m.fc1W, m.fc1B)), m.fc2W, m.fc2B)
	out := g.Add(h, mlp)
	endBlock(out)
	return g.SumAll(g.Mul(g.Reshape(out, m.target.Shape...), m.target))
}

// pagingStep runs one forward and backward and returns the loss, the
// parameters' gradients and the tape's peak buffer use.
func pagingStep(t *testing.T, prec Precision, page bool) (float32, [][]float32, int) {
	t.Helper()
	m := newPagingNet()
	g := NewTape()
	g.SetPrecision(prec)
	g.SetReleaseData(true)
	loss := m.loss(g, page)
	g.Backward(loss)
	var grads [][]float32
	for _, p := range m.params() {
		grads = append(grads, p.Grad)
	}
	return loss.Data[0], grads, g.Memory().PeakInUse
}

// TestPagingIsExact checks that paging out intermediates at block ends
// changes no bit of the loss or of any gradient, in fp32 (buffers no
// backward reads are freed) and in bf16 with every GEMM rounded (buffers
// read only through bf16 rounding are kept as bf16), and that it lowers the
// step's peak memory.
func TestPagingIsExact(t *testing.T) {
	old := BF16MinWork
	defer func() { BF16MinWork = old }()
	BF16MinWork = 0
	for _, prec := range []Precision{FP32, BF16} {
		lossA, gradsA, peakA := pagingStep(t, prec, false)
		lossB, gradsB, peakB := pagingStep(t, prec, true)
		if math.Float32bits(lossA) != math.Float32bits(lossB) {
			t.Fatalf("%v: loss %v with paging, %v without", prec, lossB, lossA)
		}
		for i := range gradsA {
			for j := range gradsA[i] {
				if math.Float32bits(gradsA[i][j]) != math.Float32bits(gradsB[i][j]) {
					t.Fatalf("%v: gradient %d [%d] = %v with paging, %v without", prec, i, j, gradsB[i][j], gradsA[i][j])
				}
			}
		}
		t.Logf("%v: peak %d KiB without paging, %d KiB with", prec, peakA>>10, peakB>>10)
		if peakB >= peakA {
			t.Errorf("%v: paging did not lower the peak: %d bytes, %d without", prec, peakB, peakA)
		}
	}
}

// TestPagedTensorIsNotReadable checks that a block intermediate paged out
// by FreeSince no longer exposes data, so a stray read fails loudly
// instead of seeing a recycled buffer; the block's output stays readable.
func TestPagedTensorIsNotReadable(t *testing.T) {
	x := bigParam(1 << 17)
	g := NewTape()
	g.SetReleaseData(true)
	g.SetPrecision(BF16)
	mark := g.Mark()
	dead := g.MulScalar(x, 2)            // read by no backward
	relu := g.ReLU(g.AddScalar(x, -0.5)) // read only for its sign
	out := g.Add(dead, relu)
	g.FreeSince(mark, out)
	if dead.Data != nil || relu.Data != nil {
		t.Fatal("FreeSince kept the data of paged-out intermediates")
	}
	if len(out.Data) != len(x.Data) {
		t.Fatal("FreeSince dropped the kept output")
	}
	g.Backward(g.SumAll(out))
	for i, v := range x.Data {
		if want := 2 + b2f(v > 0.5); x.Grad[i] != want {
			t.Fatalf("x.Grad[%d] = %v after paging, want %v", i, x.Grad[i], want)
		}
	}
}

// TestReadAfterPagingPanics checks that an op recorded on a tensor that
// FreeSince paged out stops with a message naming the cause, rather than
// computing on an empty buffer.
func TestReadAfterPagingPanics(t *testing.T) {
	x := bigParam(1 << 17)
	g := NewTape()
	g.SetReleaseData(true)
	mark := g.Mark()
	dead := g.MulScalar(x, 2)
	out := g.Add(dead, x)
	g.FreeSince(mark, out)
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "FreeSince") {
			t.Fatalf("reading a paged-out tensor: panic %q, want one naming FreeSince", msg)
		}
	}()
	g.GELU(dead)
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
