package text

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// Config describes the text tower, in the spirit of open_clip's text_cfg.
type Config struct {
	ContextLength int     `json:"context_length"`
	VocabSize     int     `json:"vocab_size"`
	Width         int     `json:"width"`
	Heads         int     `json:"heads"`
	Layers        int     `json:"layers"`
	MLPRatio      float64 `json:"mlp_ratio,omitempty"` // default 4
	Act           string  `json:"act,omitempty"`       // gelu (default) or quick_gelu (OpenAI's models)
}

// Validate reports the first inconsistency in c.
func (c Config) Validate() error {
	switch {
	case c.ContextLength < 2:
		return fmt.Errorf("text config: context_length must be at least 2, got %d", c.ContextLength)
	case c.VocabSize < 3:
		return fmt.Errorf("text config: vocab_size must be at least 3, got %d", c.VocabSize)
	case c.Width <= 0 || c.Layers <= 0:
		return fmt.Errorf("text config: width and layers must be positive, got %d and %d", c.Width, c.Layers)
	case c.Heads <= 0 || c.Width%c.Heads != 0:
		return fmt.Errorf("text config: width %d must be a multiple of heads %d", c.Width, c.Heads)
	}
	return nil
}

// Encoder is OpenAI CLIP's text tower: token and positional embeddings, a
// causal pre-LN Transformer, ln_final, the features at each caption's
// end-of-text token, and a projection matrix.
type Encoder struct {
	TokenEmbed  *nn.Embedding
	PosEmbed    *autograd.Tensor // [ctx, W]
	Transformer *nn.Transformer
	LNFinal     *nn.LayerNorm
	Proj        *autograd.Tensor // [W, E]: x @ text_projection
	cfg         Config
}

// NewEncoder builds the tower with OpenAI's initialisation.
func NewEncoder(rng *rand.Rand, c Config, embedDim int) (*Encoder, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	act := "gelu"
	if c.Act != "" {
		act = c.Act
	}
	a, err := nn.ParseActivation(act)
	if err != nil {
		return nil, err
	}
	ratio := c.MLPRatio
	if ratio == 0 {
		ratio = 4
	}
	w := c.Width
	tr, err := nn.NewTransformer(rng, w, c.Layers, c.Heads, int(float64(w)*ratio), a, true)
	if err != nil {
		return nil, err
	}
	e := &Encoder{
		TokenEmbed:  nn.NewEmbedding(rng, c.VocabSize, w, 0.02),
		PosEmbed:    autograd.Param(c.ContextLength, w),
		Transformer: tr,
		LNFinal:     nn.NewLayerNorm(w),
		Proj:        autograd.Param(w, embedDim),
		cfg:         c,
	}
	nn.Normal(rng, e.PosEmbed, 0.01)
	// OpenAI's initialize_parameters: residual projections shrink with depth.
	attnStd := 1 / math.Sqrt(float64(w))
	projStd := attnStd / math.Sqrt(2*float64(c.Layers))
	fcStd := 1 / math.Sqrt(2*float64(w))
	for _, b := range tr.Blocks {
		nn.Normal(rng, b.Attn.InProjWeight, attnStd)
		nn.Normal(rng, b.Attn.OutProj.Weight, projStd)
		nn.Normal(rng, b.MLP.CFC.Weight, fcStd)
		nn.Normal(rng, b.MLP.CProj.Weight, projStd)
	}
	nn.Normal(rng, e.Proj, attnStd)
	return e, nil
}

// Config returns the configuration the encoder was built with.
func (e *Encoder) Config() Config { return e.cfg }

func (e *Encoder) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "token_embedding", e.TokenEmbed)
	w.Param(prefix, "positional_embedding", e.PosEmbed)
	w.Child(prefix, "transformer", e.Transformer)
	w.Child(prefix, "ln_final", e.LNFinal)
	w.Param(prefix, "text_projection", e.Proj)
}

// Forward embeds a batch of token rows: ids is [B·ctx] row-major and eot[b]
// the position of row b's end-of-text token. It returns [B, E].
func (e *Encoder) Forward(g *autograd.Tape, ids []int, eot []int) *autograd.Tensor {
	ctx := e.cfg.ContextLength
	if len(ids) != len(eot)*ctx {
		panic(fmt.Sprintf("text.Encoder: %d token ids for %d rows of context %d", len(ids), len(eot), ctx))
	}
	b := len(eot)
	x := g.Reshape(e.TokenEmbed.Forward(g, ids), b, ctx, e.cfg.Width)
	x = g.Add(x, e.PosEmbed)
	x = e.Transformer.Forward(g, x)
	x = e.LNFinal.Forward(g, x)
	x = g.Gather(x, eot)
	return g.MatMul(x, e.Proj, false, false)
}
