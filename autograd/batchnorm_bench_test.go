package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkBatchNorm2d times training-mode BatchNorm2d forward and backward
// at the ResNet's stage-2 shape, alone (op=bn) and followed by the in-place
// ReLU of a BasicBlock (op=bn+relu). As in a training step the input is an
// intermediate, so its gradient buffer is fresh and written, not added to.
func BenchmarkBatchNorm2d(b *testing.B) {
	const n, c, h = 128, 64, 32
	for _, relu := range []bool{false, true} {
		op := "bn"
		if relu {
			op = "bn+relu"
		}
		b.Run(fmt.Sprintf("n=%d/c=%d/h=%d/op=%s", n, c, h, op), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			x0 := convTestRandParam(r, n, c, h, h)
			gamma, beta := convTestRandParam(r, c), convTestRandParam(r, c)
			runMean, runVar := make([]float32, c), make([]float32, c)
			gy := convTestWeights(r, len(x0.Data))
			g := NewTape()
			benchMedian(b, func() {
				x := benchIntermediate(g, x0)
				y := g.BatchNorm2d(x, gamma, beta, runMean, runVar, true, 0.1, 1e-5)
				if relu {
					y = g.ReLUInPlace(y)
				}
				g.Backward(benchSeedGrad(g, y, gy))
				g.Reset()
			})
		})
	}
}

// benchIntermediate returns a non-leaf view of leaf x whose backward does
// nothing, so the op under test sees a tape intermediate at no cost.
func benchIntermediate(g *Tape, x *Tensor) *Tensor {
	return g.Record(&Tensor{Data: x.Data, Shape: x.Shape}, func() {}, x)
}
