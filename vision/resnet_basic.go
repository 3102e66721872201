package vision

import (
	"math/rand/v2"
	"strconv"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// BasicResNet is the small ResNet of the PyTorch speed-comparison script
// (../shared/peers/torch_clip_step.py): a 3x3 stem, stages of BasicBlocks,
// global average pooling and a bias-free projection. Parameter names follow
// that script (stem.0, layers.N.c1, proj).
type BasicResNet struct {
	StemConv *nn.Conv2d
	StemBN   *nn.BatchNorm2d
	Blocks   []*BasicBlock
	Proj     *nn.Linear
}

// BasicBlock is conv3x3-BN-ReLU-conv3x3-BN plus a shortcut, then ReLU.
type BasicBlock struct {
	C1       *nn.Conv2d
	B1       *nn.BatchNorm2d
	C2       *nn.Conv2d
	B2       *nn.BatchNorm2d
	Shortcut *nn.Conv2d // 1x1 projection when stride or width changes
	ShortBN  *nn.BatchNorm2d
}

// NewBasicResNet builds the tower for c (Widths, Layers, Strides per stage).
func NewBasicResNet(rng *rand.Rand, c Config, embedDim int) *BasicResNet {
	r := &BasicResNet{}
	r.StemConv, r.StemBN = newConvBN(rng, 3, c.Widths[0], 3, max(c.StemStride, 1))
	in := c.Widths[0]
	for s, width := range c.Widths {
		for i := 0; i < c.Layers[s]; i++ {
			stride := 1
			if i == 0 {
				stride = c.Strides[s]
			}
			b := &BasicBlock{}
			b.C1, b.B1 = newConvBN(rng, in, width, 3, stride)
			b.C2, b.B2 = newConvBN(rng, width, width, 3, 1)
			if stride != 1 || in != width {
				b.Shortcut, b.ShortBN = newConvBN(rng, in, width, 1, stride)
			}
			r.Blocks = append(r.Blocks, b)
			in = width
		}
	}
	r.Proj = nn.NewLinear(rng, in, embedDim, false)
	return r
}

func (r *BasicResNet) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "stem.0", r.StemConv)
	w.Child(prefix, "stem.1", r.StemBN)
	for i, b := range r.Blocks {
		w.Child(prefix, "layers."+strconv.Itoa(i), b)
	}
	w.Child(prefix, "proj", r.Proj)
}

func (b *BasicBlock) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "c1", b.C1)
	w.Child(prefix, "b1", b.B1)
	w.Child(prefix, "c2", b.C2)
	w.Child(prefix, "b2", b.B2)
	if b.Shortcut != nil {
		w.Child(prefix, "sc.0", b.Shortcut)
		w.Child(prefix, "sc.1", b.ShortBN)
	}
}

// Forward maps images [N,3,S,S] to [N, embed].
func (r *BasicResNet) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	// In-place ReLU and residual add: batch norm's output is not needed
	// by any backward, so its buffer can hold the activation.
	mark := g.Mark()
	x = g.ReLUInPlace(r.StemBN.Forward(g, r.StemConv.Forward(g, x)))
	for _, b := range r.Blocks {
		x = b.Forward(g, x)
		g.FreeSince(mark, x) // evaluation keeps only the latest activation
	}
	return r.Proj.Forward(g, g.GlobalAvgPool(x))
}

// Forward runs the block on x [N,C,H,W].
func (b *BasicBlock) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	y := g.ReLUInPlace(b.B1.Forward(g, b.C1.Forward(g, x)))
	y = b.B2.Forward(g, b.C2.Forward(g, y))
	short := x
	if b.Shortcut != nil {
		short = b.ShortBN.Forward(g, b.Shortcut.Forward(g, x))
	}
	return g.ReLUInPlace(g.AddInPlace(y, short))
}
