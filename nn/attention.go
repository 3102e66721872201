package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// MultiheadAttention is self-attention with PyTorch's parameter names:
// in_proj_weight [3D, D] and in_proj_bias [3D] (q|k|v stacked), and
// out_proj.weight/out_proj.bias.
type MultiheadAttention struct {
	InProjWeight *autograd.Tensor // [3D, D]
	InProjBias   *autograd.Tensor // [3D]
	OutProj      *Linear          // [D, D]
	Heads        int
	Causal       bool // mask future positions (text transformer)
}

// NewMultiheadAttention makes a layer of width dim split into heads, with
// PyTorch's initialisation: xavier-uniform in_proj_weight, zero biases,
// default Linear init for out_proj.weight.
func NewMultiheadAttention(rng *rand.Rand, dim, heads int, causal bool) (*MultiheadAttention, error) {
	if dim <= 0 || heads <= 0 || dim%heads != 0 {
		return nil, fmt.Errorf("multi-head attention: width %d must be a positive multiple of the head count %d", dim, heads)
	}
	m := &MultiheadAttention{
		InProjWeight: autograd.Param(3*dim, dim),
		InProjBias:   autograd.Param(3 * dim),
		OutProj:      &Linear{Weight: autograd.Param(dim, dim), Bias: autograd.Param(dim)},
		Heads:        heads,
		Causal:       causal,
	}
	XavierUniform(rng, m.InProjWeight)
	KaimingUniform(rng, m.OutProj.Weight, math.Sqrt(5))
	return m, nil
}

func (m *MultiheadAttention) Walk(w *Walker, prefix string) {
	w.Param(prefix, "in_proj_weight", m.InProjWeight)
	w.Param(prefix, "in_proj_bias", m.InProjBias)
	w.Child(prefix, "out_proj", m.OutProj)
}

// Forward attends x [B, T, D] to itself, masking future positions when Causal.
func (m *MultiheadAttention) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	qkv := g.Linear(x, m.InProjWeight, m.InProjBias)
	return m.OutProj.Forward(g, g.AttentionQKV(qkv, m.Heads, m.Causal))
}
