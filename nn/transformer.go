package nn

import (
	"math/rand/v2"
	"strconv"

	"github.com/mmpoison/mmpoison/autograd"
)

// ResidualAttentionBlock is a pre-LN Transformer block with OpenAI CLIP's
// names: x += attn(ln_1(x)); x += mlp(ln_2(x)).
type ResidualAttentionBlock struct {
	LN1  *LayerNorm
	Attn *MultiheadAttention
	LN2  *LayerNorm
	MLP  *MLP
}

// NewResidualAttentionBlock makes a block of the given width, heads and MLP width.
func NewResidualAttentionBlock(rng *rand.Rand, width, heads, mlpWidth int, act Activation, causal bool) (*ResidualAttentionBlock, error) {
	attn, err := NewMultiheadAttention(rng, width, heads, causal)
	if err != nil {
		return nil, err
	}
	return &ResidualAttentionBlock{
		LN1: NewLayerNorm(width), Attn: attn,
		LN2: NewLayerNorm(width), MLP: NewMLP(rng, width, mlpWidth, act),
	}, nil
}

func (b *ResidualAttentionBlock) Walk(w *Walker, prefix string) {
	w.Child(prefix, "ln_1", b.LN1)
	w.Child(prefix, "attn", b.Attn)
	w.Child(prefix, "ln_2", b.LN2)
	w.Child(prefix, "mlp", b.MLP)
}

// Forward maps x [B, T, D] to [B, T, D].
func (b *ResidualAttentionBlock) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	x = g.Add(x, b.Attn.Forward(g, b.LN1.Forward(g, x)))
	return g.Add(x, b.MLP.Forward(g, b.LN2.Forward(g, x)))
}

// Transformer is a stack of residual attention blocks named resblocks.N.
type Transformer struct {
	Blocks []*ResidualAttentionBlock
}

// NewTransformer makes layers blocks of the given shape.
func NewTransformer(rng *rand.Rand, width, layers, heads, mlpWidth int, act Activation, causal bool) (*Transformer, error) {
	t := &Transformer{}
	for i := 0; i < layers; i++ {
		b, err := NewResidualAttentionBlock(rng, width, heads, mlpWidth, act, causal)
		if err != nil {
			return nil, err
		}
		t.Blocks = append(t.Blocks, b)
	}
	return t, nil
}

func (t *Transformer) Walk(w *Walker, prefix string) {
	for i, b := range t.Blocks {
		w.Child(prefix, "resblocks."+strconv.Itoa(i), b)
	}
}

// Forward runs every block in order.
func (t *Transformer) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	mark := g.Mark()
	for _, b := range t.Blocks {
		x = b.Forward(g, x)
		g.FreeSince(mark, x) // evaluation keeps only the latest activation
	}
	return x
}
