package autograd

import (
	"runtime"
	"testing"
)

// miniStep builds a small transformer-like graph using most ops and returns
// the loss.
func miniStep(g *Tape, x, wqkv, wo, gamma, beta, emb *Tensor, ids, targets []int) *Tensor {
	h := g.LayerNorm(x, gamma, beta, 1e-5)                  // [2,3,4]
	h = g.Add(h, g.Reshape(g.Embedding(emb, ids), 2, 3, 4)) // token embeddings
	a := g.AttentionQKV(g.Linear(h, wqkv, nil), 2, true)    // [2,3,4]
	h = g.Add(h, g.Linear(g.GELU(a), wo, nil))
	p := g.L2Normalize(g.Gather(h, []int{2, 1}), 1e-8) // [2,4]
	logits := g.MulScalar(g.MatMul(p, p, false, true), 10)
	s := g.Softmax(g.Concat(1, h, a)) // Σ softmax is constant, so square it to make it matter
	return g.Add(g.CrossEntropy(logits, targets), g.MeanAll(g.Mul(s, s)))
}

type miniParams struct{ x, wqkv, wo, gamma, beta, emb *Tensor }

func newMini() miniParams {
	rng := newRNG(90)
	return miniParams{
		x:     randParam(rng, -1, 1, 2, 3, 4),
		wqkv:  randParam(rng, -0.5, 0.5, 12, 4),
		wo:    randParam(rng, -0.5, 0.5, 4, 4),
		gamma: randParam(rng, 0.5, 1.5, 4),
		beta:  randParam(rng, -0.5, 0.5, 4),
		emb:   randParam(rng, -1, 1, 5, 4),
	}
}

func (m miniParams) all() []*Tensor { return []*Tensor{m.x, m.wqkv, m.wo, m.gamma, m.beta, m.emb} }

func (m miniParams) loss(g *Tape) *Tensor {
	return miniStep(g, m.x, m.wqkv, m.wo, m.gamma, m.beta, m.emb, []int{1, 4, 0, 1, 2, 3}, []int{0, 1})
}

func TestComposedGraphGradients(t *testing.T) {
	m := newMini()
	if err := GradCheck(m.loss, m.all(), gcEps, gcAtol, gcRtol); err != nil {
		t.Error(err)
	}
}

func TestGradientsAccumulateOverBackwardCalls(t *testing.T) {
	m := newMini()
	g := NewTape()
	g.Backward(m.loss(g))
	first := make([][]float32, 0)
	for _, p := range m.all() {
		first = append(first, append([]float32(nil), p.Grad...))
	}
	g.Reset()
	g.Backward(m.loss(g))
	for i, p := range m.all() {
		want := make([]float32, len(first[i]))
		for j, v := range first[i] {
			want[j] = 2 * v
		}
		closeTo(t, "accumulated grad", p.Grad, want, 1e-5)
		p.ZeroGrad()
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	m := newMini()
	g := NewTape()
	g.SetNoGrad(true)
	loss := m.loss(g)
	if len(g.nodes) != 0 || loss.RequiresGrad() {
		t.Fatalf("NoGrad recorded %d nodes (loss requires grad: %v)", len(g.nodes), loss.RequiresGrad())
	}
	for _, p := range m.all() {
		if p.Grad != nil {
			t.Fatalf("NoGrad touched the gradient of %v", p)
		}
	}
	// Same value as with recording on.
	g2 := NewTape()
	if a, b := loss.Item(), m.loss(g2).Item(); a != b {
		t.Errorf("NoGrad loss %g differs from recorded loss %g", a, b)
	}
}

func poolSize(g *Tape) (bufs, floats int) {
	for _, free := range g.pool {
		bufs += len(free)
		for _, b := range free {
			floats += len(b)
		}
	}
	return bufs, floats
}

func TestResetReusesBuffers(t *testing.T) {
	m := newMini()
	g := NewTape()
	step := func() {
		g.Backward(m.loss(g))
		g.Reset()
	}
	var heap10 uint64
	var bufs10, floats10 int
	var ms runtime.MemStats
	for i := 1; i <= 100; i++ {
		step()
		if i == 10 {
			bufs10, floats10 = poolSize(g)
			runtime.GC()
			runtime.ReadMemStats(&ms)
			heap10 = ms.HeapAlloc
		}
	}
	bufs, floats := poolSize(g)
	if bufs != bufs10 || floats != floats10 {
		t.Errorf("tape pool grew from %d buffers (%d floats) at step 10 to %d (%d) at step 100", bufs10, floats10, bufs, floats)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > heap10+heap10/20 {
		t.Errorf("live heap grew from %d bytes at step 10 to %d at step 100", heap10, ms.HeapAlloc)
	}
}
