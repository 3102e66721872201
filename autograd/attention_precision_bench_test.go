package autograd

import (
	"fmt"
	"testing"
)

// BenchmarkAttentionPrecision times one forward and backward pass of the
// peer model's attentions (attnOpShapes, fused qkv) on FP32 and BF16 tapes;
// compare cpu-ms/op on a shared machine.
func BenchmarkAttentionPrecision(b *testing.B) {
	for _, c := range attnOpShapes {
		for _, p := range []Precision{FP32, BF16} {
			b.Run(fmt.Sprintf("%s/T=%d/p=%v", c.name, c.t, p), func(b *testing.B) {
				rng := newRNG(4)
				qkv := randParam(rng, -1, 1, c.b, c.t, 3*c.d)
				gy := convTestWeights(rng, c.b*c.t*c.d)
				g := NewTape()
				g.SetPrecision(p)
				benchMedian(b, func() {
					qkv.ZeroGrad()
					g.Backward(benchSeedGrad(g, g.AttentionQKV(qkv, c.h, c.causal), gy))
					g.Reset()
				})
			})
		}
	}
}
