package autograd

import (
	"fmt"
	"testing"
)

// attnOpShapes are the attentions of the peer model (peers/torch_clip_step.py
// Block): the ViT's 65 tokens and the text tower's 32 causal tokens, width
// 256 in 4 heads of 64. bench/torch_ops.py times the same in PyTorch.
var attnOpShapes = []struct {
	name       string
	b, t, d, h int
	causal     bool
}{
	{"vit", 128, 65, 256, 4, false},
	{"text", 128, 32, 256, 4, true},
}

// BenchmarkAttentionOp times one forward and backward pass of attention
// alone, its output gradient seeded with fixed random values: kind=sdpa on
// contiguous q, k, v [B,H,T,Dh] (ScaledDotProductAttention) and kind=qkv on
// a fused projection [B,T,3D] (AttentionQKV). It reports the median
// milliseconds of one pass as ms-median.
func BenchmarkAttentionOp(b *testing.B) {
	for _, c := range attnOpShapes {
		dh := c.d / c.h
		for _, kind := range []string{"sdpa", "qkv"} {
			name := fmt.Sprintf("%s/%s/B=%d/T=%d/D=%d/H=%d/causal=%v", kind, c.name, c.b, c.t, c.d, c.h, c.causal)
			b.Run(name, func(b *testing.B) {
				rng := newRNG(4)
				var params []*Tensor
				var op func(g *Tape) *Tensor
				if kind == "sdpa" {
					q := randParam(rng, -1, 1, c.b, c.h, c.t, dh)
					k := randParam(rng, -1, 1, c.b, c.h, c.t, dh)
					v := randParam(rng, -1, 1, c.b, c.h, c.t, dh)
					params = []*Tensor{q, k, v}
					op = func(g *Tape) *Tensor { return g.ScaledDotProductAttention(q, k, v, c.causal) }
				} else {
					qkv := randParam(rng, -1, 1, c.b, c.t, 3*c.d)
					params = []*Tensor{qkv}
					op = func(g *Tape) *Tensor { return g.AttentionQKV(qkv, c.h, c.causal) }
				}
				gy := convTestWeights(rng, c.b*c.t*c.d)
				g := NewTape()
				benchMedian(b, func() {
					for _, p := range params {
						p.ZeroGrad()
					}
					g.Backward(benchSeedGrad(g, op(g), gy))
					g.Reset()
				})
			})
		}
	}
}
