package clipmodel

import (
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

// benchVocab is the vocabulary size given to presets that leave it to the
// tokenizer (tiny): about what a vocab trained on the shapes captions has.
const benchVocab = 1024

// BenchmarkTrainStep times one full training step (forward, InfoNCE,
// backward, gradient clipping, AdamW) as clipmodel.Train runs it, on random
// images and tokens, and reports pairs/s.
func BenchmarkTrainStep(b *testing.B) {
	for _, tc := range []struct {
		model string
		batch int
	}{{"tiny", 128}, {"peer-vit", 128}, {"peer-resnet", 128}} {
		b.Run("model="+tc.model+"/batch="+itoa(tc.batch), func(b *testing.B) {
			benchTrainStep(b, tc.model, tc.batch)
		})
	}
}

func benchTrainStep(b *testing.B, preset string, batch int) {
	cfg, err := LoadConfig(preset)
	if err != nil {
		b.Fatal(err)
	}
	if cfg.Text.VocabSize == 0 {
		cfg.Text.VocabSize = benchVocab
	}
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	params := nn.Tensors(nn.NamedParams(m))
	optim, err := nn.NewAdamW(nn.SplitDecay(nn.NamedParams(m), 0.1), nn.AdamWConfig{LR: 1e-4, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
	if err != nil {
		b.Fatal(err)
	}
	images, ids, eot := randomBatch(rand.New(rand.NewPCG(1, 2)), cfg, batch)
	g := autograd.NewTape()
	step := func() {
		g.Reset()
		loss := m.Loss(g, images, ids, eot)
		optim.ZeroGrad()
		g.Backward(loss)
		nn.ClipGradNorm(params, 1)
		optim.Step()
	}
	step() // warm the tape's buffer pool and the optimiser state
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Seconds()
	for range b.N {
		step()
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "pairs/s")
	// Wall time depends on the machine's other load; CPU time much less so.
	b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for ; n > 0; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return string(buf[i:])
}
