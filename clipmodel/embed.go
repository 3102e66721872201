package clipmodel

import (
	"errors"
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// evalBatch bounds the memory of embedding passes.
const evalBatch = 256

// inEval runs f with m in evaluation mode (batch norm on running
// statistics) on a tape that records nothing, then restores each module's mode.
func (m *Model) inEval(f func(g *autograd.Tape)) {
	defer nn.EvalMode(m)()
	g := autograd.NewTape()
	g.SetNoGrad(true)
	f(g)
}

// EmbedImages returns the unit-length embeddings [len(slots)·E] of cached
// images (centre crops, no augmentation).
func (m *Model) EmbedImages(cache *vision.Cache, slots []int) ([]float32, error) {
	e, s := m.Config.EmbedDim, m.Config.Vision.ImageSize
	if cache.Size() != s {
		return nil, fmt.Errorf("embed: image cache holds %dpx images, model expects %dpx", cache.Size(), s)
	}
	out := make([]float32, len(slots)*e)
	var err error
	m.inEval(func(g *autograd.Tape) {
		buf := make([]float32, min(evalBatch, len(slots))*3*s*s)
		for lo := 0; lo < len(slots) && err == nil; lo += evalBatch {
			hi := min(lo+evalBatch, len(slots))
			n := hi - lo
			if err = vision.FillBatch(buf, cache, slots[lo:hi], nil, nil); err != nil {
				return
			}
			emb := m.EncodeImages(g, autograd.New(buf[:n*3*s*s], n, 3, s, s))
			copy(out[lo*e:hi*e], emb.Data)
			g.Reset()
		}
	})
	return out, err
}

// EmbedTokens returns the unit-length embeddings [len(eot)·E] of token rows
// laid out as text.Tokenizer.TokenizeBatch makes them.
func (m *Model) EmbedTokens(tokens, eot []int) []float32 {
	e, ctx := m.Config.EmbedDim, m.Config.Text.ContextLength
	out := make([]float32, len(eot)*e)
	m.inEval(func(g *autograd.Tape) {
		for lo := 0; lo < len(eot); lo += evalBatch {
			hi := min(lo+evalBatch, len(eot))
			emb := m.EncodeTexts(g, tokens[lo*ctx:hi*ctx], eot[lo:hi])
			copy(out[lo*e:hi*e], emb.Data)
			g.Reset()
		}
	})
	return out
}

// EmbedTexts tokenises and embeds captions.
func (m *Model) EmbedTexts(tok *text.Tokenizer, captions []string) []float32 {
	ids, eot := tok.TokenizeBatch(captions, m.Config.Text.ContextLength)
	return m.EmbedTokens(ids, eot)
}

// SplitEmbeddings are the embeddings of one split: an image per row and a
// text per caption, captions flattened in row order.
type SplitEmbeddings struct {
	Rows   []dataset.Row
	Images []float32 // len(Rows)·Dim
	Texts  []float32 // (total captions)·Dim
	Dim    int
}

// EmbedSplit embeds the rows of split whose images are in im.
func (m *Model) EmbedSplit(ds *dataset.Dataset, split string, im *Images, tok *text.Tokenizer) (*SplitEmbeddings, error) {
	se := &SplitEmbeddings{Dim: m.Config.EmbedDim}
	var slots []int
	var captions []string
	for i := range ds.Rows {
		r := &ds.Rows[i]
		if r.Split != split {
			continue
		}
		s, ok := im.Slot(ds, r)
		if !ok {
			continue
		}
		se.Rows = append(se.Rows, *r)
		slots = append(slots, s)
		captions = append(captions, r.Captions...)
	}
	if len(se.Rows) == 0 {
		return nil, fmt.Errorf("dataset %s has no images in split %q", ds.Name, split)
	}
	var err error
	if se.Images, err = m.EmbedImages(im.Cache, slots); err != nil {
		return nil, err
	}
	if err := checkFinite("image", se.Images); err != nil {
		return nil, err
	}
	se.Texts = m.EmbedTexts(tok, captions)
	if err := checkFinite("caption", se.Texts); err != nil {
		return nil, err
	}
	return se, nil
}

// ErrNonFinite marks embeddings holding NaN or Inf: the model's weights are
// broken, and any ranking of them would be meaningless.
var ErrNonFinite = errors.New("embeddings are not finite")

func checkFinite(what string, v []float32) error {
	bad := 0
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d %s embedding values are NaN or Inf; the weights are broken (a diverged run?): retrain with a lower learning rate", ErrNonFinite, bad, len(v), what)
	}
	return nil
}
