package clipmodel

import (
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

// BenchmarkTrainStepPrecision times a tiny-preset training step (batch 128)
// in fp32, in bf16 with the default BF16MinWork, and in bf16 rounding every
// GEMM; cpu-ms/op is the figure to compare on a shared machine.
func BenchmarkTrainStepPrecision(b *testing.B) {
	for _, tc := range []struct {
		name    string
		p       autograd.Precision
		minWork int
	}{{"fp32", autograd.FP32, autograd.BF16MinWork}, {"bf16", autograd.BF16, autograd.BF16MinWork}, {"bf16-all", autograd.BF16, 0}} {
		b.Run(tc.name, func(b *testing.B) {
			old := autograd.BF16MinWork
			autograd.BF16MinWork = tc.minWork
			defer func() { autograd.BF16MinWork = old }()
			cfg, err := LoadConfig("tiny")
			if err != nil {
				b.Fatal(err)
			}
			cfg.Text.VocabSize = benchVocab
			m, err := New(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			params := nn.Tensors(nn.NamedParams(m))
			optim, err := nn.NewAdamW(nn.SplitDecay(nn.NamedParams(m), 0.1), nn.AdamWConfig{LR: 1e-4, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
			if err != nil {
				b.Fatal(err)
			}
			images, ids, eot := randomBatch(rand.New(rand.NewPCG(1, 2)), cfg, 128)
			g := autograd.NewTape()
			g.SetPrecision(tc.p)
			step := func() {
				g.Reset()
				loss := m.Loss(g, images, ids, eot)
				optim.ZeroGrad()
				g.Backward(loss)
				nn.ClipGradNorm(params, 1)
				optim.Step()
			}
			step()
			b.ResetTimer()
			cpu0 := cputime.Seconds()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "pairs/s")
			b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
