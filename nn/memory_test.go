package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

// tinyModel is Linear → LayerNorm → causal MHA, enough to exercise a
// training step's tape buffers and optimiser state.
type tinyModel struct {
	In   *Linear
	Norm *LayerNorm
	Attn *MultiheadAttention
}

func (m *tinyModel) Walk(w *Walker, prefix string) {
	w.Child(prefix, "in", m.In)
	w.Child(prefix, "ln", m.Norm)
	w.Child(prefix, "attn", m.Attn)
}

func (m *tinyModel) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return m.Attn.Forward(g, m.Norm.Forward(g, m.In.Forward(g, x)))
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}

// TestTrainingMemoryIsFlat trains for 100 AdamW steps and checks that the
// heap after step 100 is within a few percent of the heap after step 10:
// tape buffers and optimiser state are reused, nothing grows per step.
func TestTrainingMemoryIsFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const b, tlen, in, d = 4, 16, 24, 64
	attn, err := NewMultiheadAttention(rng, d, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	m := &tinyModel{In: NewLinear(rng, in, d, true), Norm: NewLayerNorm(d), Attn: attn}
	opt, err := NewAdamW(SplitDecay(NamedParams(m), 0.1), AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	sched := CosineSchedule{Base: 1e-3, Min: 1e-5, Warmup: 10, Total: 100}
	x := randTensor(rng, b, tlen, in)
	target := randTensor(rng, b, tlen, d)
	g := autograd.NewTape()
	params := Parameters(m)
	var first, last float32
	var heap10 uint64
	for step := 1; step <= 100; step++ {
		diff := g.Sub(m.Forward(g, x), target)
		loss := g.MeanAll(g.Mul(diff, diff))
		if step == 1 {
			first = loss.Item()
		}
		last = loss.Item()
		g.Backward(loss)
		ClipGradNorm(params, 1)
		opt.SetLR(sched.LR(step - 1))
		opt.Step()
		opt.ZeroGrad()
		g.Reset()
		if step == 10 {
			heap10 = heapInUse()
		}
	}
	heap100 := heapInUse()
	runtime.KeepAlive(g) // the tape's buffer pool is part of the steady state
	runtime.KeepAlive(opt)
	t.Logf("loss %.4f -> %.4f, heap after step 10: %d B, after step 100: %d B", first, last, heap10, heap100)
	if !(last < first) {
		t.Errorf("loss did not fall in 100 steps: %v -> %v", first, last)
	}
	if float64(heap100) > 1.03*float64(heap10) {
		t.Errorf("heap grew from %d B after step 10 to %d B after step 100 (more than 3%%)", heap10, heap100)
	}
}
