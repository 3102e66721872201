package vision

import (
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// ViT is OpenAI CLIP's VisionTransformer: a patch convolution, a class
// token, learned positional embeddings, ln_pre, pre-LN residual attention
// blocks, ln_post on the class token and a projection matrix.
type ViT struct {
	Conv1       *nn.Conv2d
	ClassEmbed  *autograd.Tensor // [W]
	PosEmbed    *autograd.Tensor // [grid²+1, W]
	LNPre       *nn.LayerNorm    // nil when the config sets no_ln_pre
	Transformer *nn.Transformer
	LNPost      *nn.LayerNorm
	Proj        *autograd.Tensor // [W, E]: x @ proj
	width       int
}

// NewViT builds the tower with OpenAI's initialisation of the class token,
// positional embedding and projection (N(0, 1/width)).
func NewViT(rng *rand.Rand, c Config, embedDim int) (*ViT, error) {
	act, err := nn.ParseActivation(orDefault(c.Act, "gelu"))
	if err != nil {
		return nil, err
	}
	ratio := c.MLPRatio
	if ratio == 0 {
		ratio = 4
	}
	w := c.Width
	grid := c.ImageSize / c.PatchSize
	tr, err := nn.NewTransformer(rng, w, c.Layers[0], c.Heads, int(float64(w)*ratio), act, false)
	if err != nil {
		return nil, err
	}
	v := &ViT{
		Conv1:       nn.NewConv2d(rng, 3, w, c.PatchSize, c.PatchSize, 0, c.PatchBias),
		ClassEmbed:  autograd.Param(w),
		PosEmbed:    autograd.Param(grid*grid+1, w),
		Transformer: tr,
		LNPost:      nn.NewLayerNorm(w),
		Proj:        autograd.Param(w, embedDim),
		width:       w,
	}
	if !c.NoLNPre {
		v.LNPre = nn.NewLayerNorm(w)
	}
	scale := 1 / math.Sqrt(float64(w))
	nn.Normal(rng, v.ClassEmbed, scale)
	nn.Normal(rng, v.PosEmbed, scale)
	nn.Normal(rng, v.Proj, scale)
	return v, nil
}

func (v *ViT) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "conv1", v.Conv1)
	w.Param(prefix, "class_embedding", v.ClassEmbed)
	w.Param(prefix, "positional_embedding", v.PosEmbed)
	w.Child(prefix, "ln_pre", v.LNPre)
	w.Child(prefix, "transformer", v.Transformer)
	w.Child(prefix, "ln_post", v.LNPost)
	w.Param(prefix, "proj", v.Proj)
}

// Forward maps images [N,3,S,S] to [N, E].
func (v *ViT) Forward(g *autograd.Tape, images *autograd.Tensor) *autograd.Tensor {
	n := images.Dim(0)
	x := v.Conv1.Forward(g, images)  // [N, W, grid, grid]
	x = g.Reshape(x, n, v.width, -1) // [N, W, P]
	x = g.Transpose(x, 1, 2)         // [N, P, W]
	zero := g.NewTensor(n, 1, v.width)
	clear(zero.Data)
	cls := g.Add(zero, g.Reshape(v.ClassEmbed, 1, 1, v.width)) // the class token for every image
	x = g.Concat(1, cls, x)                                    // [N, P+1, W]
	x = g.Add(x, v.PosEmbed)
	if v.LNPre != nil {
		x = v.LNPre.Forward(g, x)
	}
	x = v.Transformer.Forward(g, x)
	x = g.Reshape(g.Slice(x, 1, 0, 1), n, v.width) // class token
	x = v.LNPost.Forward(g, x)
	return g.MatMul(x, v.Proj, false, false)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
