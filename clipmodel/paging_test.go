package clipmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// TestPagingKeepsGradientsExact runs one training step of each encoder on
// a bf16 tape (every GEMM rounded) with SetReleaseData, which lets the
// encoders' FreeSince calls page block intermediates out (freed, or kept as
// bf16), and once without; the loss and every gradient must agree to the
// bit. Sizes are large enough that paging acts (at least 2^16 floats).
func TestPagingKeepsGradientsExact(t *testing.T) {
	old := autograd.BF16MinWork
	autograd.BF16MinWork = 0
	defer func() { autograd.BF16MinWork = old }()
	for _, typ := range []string{"vit", "basic_resnet", "modified_resnet"} {
		t.Run(typ, func(t *testing.T) {
			cfg, err := LoadConfig("tiny")
			if err != nil {
				t.Fatal(err)
			}
			cfg.Text.VocabSize = 64
			switch typ {
			case "basic_resnet":
				cfg.Vision = visionConfig(typ, 32)
				cfg.Vision.Widths, cfg.Vision.Layers, cfg.Vision.Strides = []int{16, 32}, []int{1, 1}, []int{1, 2}
			case "modified_resnet":
				cfg.Vision = visionConfig(typ, 32)
				cfg.Vision.Width, cfg.Vision.Layers, cfg.Vision.Heads = 16, []int{1, 1, 1, 1}, 2
			}
			images, ids, eot := randomBatch(rand.New(rand.NewPCG(5, 6)), cfg, 64)
			var names []string
			step := func(release bool) (float32, [][]float32) {
				m, err := New(cfg, 3)
				if err != nil {
					t.Fatal(err)
				}
				g := autograd.NewTape()
				g.SetPrecision(autograd.BF16)
				g.SetReleaseData(release)
				loss := m.Loss(g, images, ids, eot)
				if paged := g.Memory().PagedOut; release != (paged > 0) {
					t.Fatalf("SetReleaseData(%v): FreeSince paged out %d bytes", release, paged)
				}
				g.Backward(loss)
				var grads [][]float32
				names = names[:0]
				for _, p := range nn.NamedParams(m) {
					grads = append(grads, p.Tensor.Grad)
					names = append(names, p.Name)
				}
				return loss.Data[0], grads
			}
			lossA, gradsA := step(false)
			lossB, gradsB := step(true)
			if math.Float32bits(lossA) != math.Float32bits(lossB) {
				t.Fatalf("loss %v with paging, %v without", lossB, lossA)
			}
			for i := range gradsA {
				for j := range gradsA[i] {
					if math.Float32bits(gradsA[i][j]) != math.Float32bits(gradsB[i][j]) {
						t.Fatalf("gradient of %s [%d] = %v with paging, %v without", names[i], j, gradsB[i][j], gradsA[i][j])
					}
				}
			}
		})
	}
}
