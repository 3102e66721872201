package nn

import (
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// MLP is Linear → activation → Linear with OpenAI CLIP's names c_fc and c_proj.
type MLP struct {
	CFC   *Linear // [hidden, dim]
	CProj *Linear // [dim, hidden]
	Act   Activation
}

// NewMLP makes the block with PyTorch's default Linear initialisation.
func NewMLP(rng *rand.Rand, dim, hidden int, act Activation) *MLP {
	return &MLP{CFC: NewLinear(rng, dim, hidden, true), CProj: NewLinear(rng, hidden, dim, true), Act: act}
}

func (m *MLP) Walk(w *Walker, prefix string) {
	w.Child(prefix, "c_fc", m.CFC)
	w.Child(prefix, "c_proj", m.CProj)
}

// Forward maps x [..., dim] to [..., dim].
func (m *MLP) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return m.CProj.Forward(g, m.Act.Forward(g, m.CFC.Forward(g, x)))
}
