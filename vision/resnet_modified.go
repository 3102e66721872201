package vision

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// ModifiedResNet is OpenAI CLIP's ResNet: a three-convolution stem with an
// average pool instead of a max pool, bottleneck blocks that downsample with
// an average pool before their last convolution (anti-aliasing), and
// attention pooling in place of global average pooling. Names follow
// OpenAI's state dict (conv1, bn1, ..., layer1.0.downsample.0, attnpool.*).
type ModifiedResNet struct {
	Conv1, Conv2, Conv3 *nn.Conv2d
	BN1, BN2, BN3       *nn.BatchNorm2d
	Stages              [4][]*Bottleneck
	AttnPool            *AttentionPool2d
}

// Bottleneck is OpenAI's 1x1 → 3x3 → avgpool(stride) → 1x1 block (expansion 4).
type Bottleneck struct {
	Conv1, Conv2, Conv3 *nn.Conv2d
	BN1, BN2, BN3       *nn.BatchNorm2d
	Stride              int
	DownConv            *nn.Conv2d // after an average pool of the stride
	DownBN              *nn.BatchNorm2d
}

// AttentionPool2d pools a feature map with one attention query: the mean
// feature attends over all positions (plus itself).
type AttentionPool2d struct {
	PosEmbed                   *autograd.Tensor // [HW+1, C]
	QProj, KProj, VProj, CProj *nn.Linear
	Heads                      int
}

// NewModifiedResNet builds the tower; width is the stem width (64 in RN50).
func NewModifiedResNet(rng *rand.Rand, c Config, embedDim int) (*ModifiedResNet, error) {
	w := c.Width
	r := &ModifiedResNet{}
	r.Conv1, r.BN1 = nn.NewConv2d(rng, 3, w/2, 3, 2, 1, false), nn.NewBatchNorm2d(w/2)
	r.Conv2, r.BN2 = newConvBN(rng, w/2, w/2, 3, 1)
	r.Conv3, r.BN3 = newConvBN(rng, w/2, w, 3, 1)
	in := w
	for s := 0; s < 4; s++ {
		planes := w << s
		for i := 0; i < c.Layers[s]; i++ {
			stride := 1
			if i == 0 && s > 0 {
				stride = 2
			}
			r.Stages[s] = append(r.Stages[s], newBottleneck(rng, in, planes, stride))
			in = planes * 4
		}
	}
	heads := c.Heads
	if heads == 0 {
		heads = w * 32 / 64
	}
	pool, err := newAttentionPool2d(rng, c.ImageSize/32, in, heads, embedDim)
	if err != nil {
		return nil, err
	}
	r.AttnPool = pool
	return r, nil
}

func newBottleneck(rng *rand.Rand, in, planes, stride int) *Bottleneck {
	b := &Bottleneck{Stride: stride}
	b.Conv1, b.BN1 = newConvBN(rng, in, planes, 1, 1)
	b.Conv2, b.BN2 = newConvBN(rng, planes, planes, 3, 1)
	b.Conv3, b.BN3 = newConvBN(rng, planes, planes*4, 1, 1)
	nn.Fill(b.BN3.Weight, 0) // OpenAI zero-initialises the last BN gain: each block starts as identity
	if stride > 1 || in != planes*4 {
		b.DownConv, b.DownBN = newConvBN(rng, in, planes*4, 1, 1)
	}
	return b
}

func newAttentionPool2d(rng *rand.Rand, spatial, dim, heads, out int) (*AttentionPool2d, error) {
	if heads <= 0 || dim%heads != 0 {
		return nil, errHeads(dim, heads)
	}
	p := &AttentionPool2d{
		PosEmbed: autograd.Param(spatial*spatial+1, dim),
		QProj:    nn.NewLinear(rng, dim, dim, true),
		KProj:    nn.NewLinear(rng, dim, dim, true),
		VProj:    nn.NewLinear(rng, dim, dim, true),
		CProj:    nn.NewLinear(rng, dim, out, true),
		Heads:    heads,
	}
	std := 1 / math.Sqrt(float64(dim))
	nn.Normal(rng, p.PosEmbed, std)
	for _, l := range []*nn.Linear{p.QProj, p.KProj, p.VProj, p.CProj} {
		nn.Normal(rng, l.Weight, std) // OpenAI's initialize_parameters
	}
	return p, nil
}

func (r *ModifiedResNet) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "conv1", r.Conv1)
	w.Child(prefix, "bn1", r.BN1)
	w.Child(prefix, "conv2", r.Conv2)
	w.Child(prefix, "bn2", r.BN2)
	w.Child(prefix, "conv3", r.Conv3)
	w.Child(prefix, "bn3", r.BN3)
	for s, blocks := range r.Stages {
		for i, b := range blocks {
			w.Child(prefix, "layer"+strconv.Itoa(s+1)+"."+strconv.Itoa(i), b)
		}
	}
	w.Child(prefix, "attnpool", r.AttnPool)
}

func (b *Bottleneck) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "conv1", b.Conv1)
	w.Child(prefix, "bn1", b.BN1)
	w.Child(prefix, "conv2", b.Conv2)
	w.Child(prefix, "bn2", b.BN2)
	w.Child(prefix, "conv3", b.Conv3)
	w.Child(prefix, "bn3", b.BN3)
	if b.DownConv != nil {
		w.Child(prefix, "downsample.0", b.DownConv)
		w.Child(prefix, "downsample.1", b.DownBN)
	}
}

func (p *AttentionPool2d) Walk(w *nn.Walker, prefix string) {
	w.Param(prefix, "positional_embedding", p.PosEmbed)
	w.Child(prefix, "k_proj", p.KProj)
	w.Child(prefix, "q_proj", p.QProj)
	w.Child(prefix, "v_proj", p.VProj)
	w.Child(prefix, "c_proj", p.CProj)
}

// Forward maps images [N,3,S,S] to [N, E].
func (r *ModifiedResNet) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	// In-place ReLU and residual add: batch norm's output is not needed
	// by any backward, so its buffer can hold the activation.
	mark := g.Mark()
	x = g.ReLUInPlace(r.BN1.Forward(g, r.Conv1.Forward(g, x)))
	x = g.ReLUInPlace(r.BN2.Forward(g, r.Conv2.Forward(g, x)))
	x = g.ReLUInPlace(r.BN3.Forward(g, r.Conv3.Forward(g, x)))
	x = g.AvgPool2d(x, 2, 2)
	for _, blocks := range r.Stages {
		for _, b := range blocks {
			x = b.Forward(g, x)
			g.FreeSince(mark, x) // evaluation keeps only the latest activation
		}
	}
	return r.AttnPool.Forward(g, x)
}

// Forward runs the block on x [N,C,H,W].
func (b *Bottleneck) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	y := g.ReLUInPlace(b.BN1.Forward(g, b.Conv1.Forward(g, x)))
	y = g.ReLUInPlace(b.BN2.Forward(g, b.Conv2.Forward(g, y)))
	if b.Stride > 1 {
		y = g.AvgPool2d(y, b.Stride, b.Stride)
	}
	y = b.BN3.Forward(g, b.Conv3.Forward(g, y))
	short := x
	if b.DownConv != nil {
		if b.Stride > 1 {
			short = g.AvgPool2d(short, b.Stride, b.Stride)
		}
		short = b.DownBN.Forward(g, b.DownConv.Forward(g, short))
	}
	return g.ReLUInPlace(g.AddInPlace(y, short))
}

// Forward pools x [N,C,H,W] to [N, out].
func (p *AttentionPool2d) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	n, c := x.Dim(0), x.Dim(1)
	x = g.Transpose(g.Reshape(x, n, c, -1), 1, 2) // [N, HW, C]
	x = g.Concat(1, g.Mean(x, 1, true), x)        // mean token first: [N, T, C]
	x = g.Add(x, p.PosEmbed)                      // T = HW+1
	t, dh := x.Dim(1), c/p.Heads
	heads := func(y *autograd.Tensor, rows int) *autograd.Tensor { // [N, rows, C] → [N, H, rows, Dh]
		return g.Permute(g.Reshape(y, n, rows, p.Heads, dh), 0, 2, 1, 3)
	}
	q := heads(p.QProj.Forward(g, g.Slice(x, 1, 0, 1)), 1)
	k := heads(p.KProj.Forward(g, x), t)
	v := heads(p.VProj.Forward(g, x), t)
	o := g.ScaledDotProductAttention(q, k, v, false) // [N, H, 1, Dh]
	o = g.Reshape(g.Permute(o, 0, 2, 1, 3), n, c)
	return p.CProj.Forward(g, o)
}
