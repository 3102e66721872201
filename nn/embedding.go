package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// Embedding looks rows of a [V, D] table up by id.
type Embedding struct {
	Weight *autograd.Tensor // [V, D]
}

// NewEmbedding makes a table initialised N(0, std²); PyTorch's default is
// std 1, OpenAI CLIP's token embedding uses 0.02.
func NewEmbedding(rng *rand.Rand, vocab, dim int, std float64) *Embedding {
	e := &Embedding{Weight: autograd.Param(vocab, dim)}
	Normal(rng, e.Weight, std)
	return e
}

func (e *Embedding) Walk(w *Walker, prefix string) { w.Param(prefix, "weight", e.Weight) }

// Forward returns the rows for ids as [len(ids), D].
func (e *Embedding) Forward(g *autograd.Tape, ids []int) *autograd.Tensor {
	return g.Embedding(e.Weight, ids)
}

// CheckIDs reports the first id outside [0, V), so callers can reject bad
// token ids from data with an error instead of a panic in the op.
func (e *Embedding) CheckIDs(ids []int) error {
	v := e.Weight.Dim(0)
	for i, id := range ids {
		if id < 0 || id >= v {
			return fmt.Errorf("embedding: id %d at position %d is outside the vocabulary [0, %d)", id, i, v)
		}
	}
	return nil
}
