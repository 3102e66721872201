package clipmodel

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// MaxLogitScale is CLIP's clamp on the learned temperature: exp(scale) ≤ 100.
var MaxLogitScale = float32(math.Log(100))

// Model is CLIP: two towers projecting into one embedding space and a
// learned logit scale. Its state dict uses OpenAI's names: visual.* for the
// image tower, the text tower's names at the top level, and logit_scale.
type Model struct {
	Visual     vision.Encoder
	Text       *text.Encoder
	LogitScale *autograd.Tensor // scalar, initialised to ln(1/0.07)
	Config     Config
}

// New builds a randomly initialised model from c, seeded by seed.
func New(c Config, seed uint64) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	vis, err := vision.NewEncoder(rng, c.Vision, c.EmbedDim)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", c.Name, err)
	}
	txt, err := text.NewEncoder(rng, c.Text, c.EmbedDim)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", c.Name, err)
	}
	m := &Model{Visual: vis, Text: txt, LogitScale: autograd.Param(), Config: c}
	m.LogitScale.Data[0] = float32(math.Log(1 / 0.07))
	nn.NameTensors(m)
	return m, nil
}

func (m *Model) Walk(w *nn.Walker, prefix string) {
	w.Child(prefix, "visual", m.Visual)
	m.Text.Walk(w, prefix)
	w.Param(prefix, "logit_scale", m.LogitScale)
}

// EncodeImages maps normalised images [N,3,S,S] to unit-length embeddings [N,E].
func (m *Model) EncodeImages(g *autograd.Tape, images *autograd.Tensor) *autograd.Tensor {
	return g.L2Normalize(m.Visual.Forward(g, images), 1e-12)
}

// EncodeTexts maps token rows (see text.Encoder.Forward) to unit-length embeddings [B,E].
func (m *Model) EncodeTexts(g *autograd.Tape, ids, eot []int) *autograd.Tensor {
	return g.L2Normalize(m.Text.Forward(g, ids, eot), 1e-12)
}

// Loss is CLIP's symmetric InfoNCE on a batch of matching pairs: row i of
// the images matches row i of the texts, every other row is a negative
// (even one that shares the image). It returns the scalar loss.
func (m *Model) Loss(g *autograd.Tape, images *autograd.Tensor, ids, eot []int) *autograd.Tensor {
	img := m.EncodeImages(g, images)
	txt := m.EncodeTexts(g, ids, eot)
	return InfoNCE(g, img, txt, m.LogitScale)
}

// ViewTemperature is the fixed temperature of the image-view contrast, SLIP's
// 0.1 (Mu et al. 2022, in-modal SimCLR term).
const ViewTemperature = 0.1

// TwoViewWeights weigh the in-modal terms of TwoViewLoss.
type TwoViewWeights struct {
	View    float32 // InfoNCE between the two views of each image
	Caption float32 // InfoNCE between the two captions, with 2N texts
	// ViewOnly keeps the second views out of the CLIP loss: they meet only
	// the first views, as SLIP's SimCLR views do when their colours are
	// distorted beyond what the captions describe.
	ViewOnly bool
}

// TwoViewLoss is Loss for a batch holding two augmented views of each image:
// rows [0,N) of images are the first views and [N,2N) the second. The texts
// are either N captions, one per image, or 2N: a first caption for each
// first view and a second caption of the same image for its second view.
// Each view is trained against its caption with the CLIP loss (the two
// averaged; the first alone under w.ViewOnly), plus w.View times InfoNCE
// between the two views and, with 2N texts, w.Caption times InfoNCE between
// the two captions, both at ViewTemperature. The view term is SLIP's image
// self-supervision; the caption term is its text-side twin, with the
// dataset's other captions as the augmentation. Both ask for features that
// a few thousand captioned photos cannot teach through the cross-modal loss
// alone.
//
// A non-nil second holds the second views apart, at their own size (a
// smaller one is cheaper: SwAV's multi-crop); the tower then encodes each
// view in its own pass, so batch norm draws statistics from each alone.
func (m *Model) TwoViewLoss(g *autograd.Tape, images, second *autograd.Tensor, ids, eot []int, w TwoViewWeights) *autograd.Tensor {
	var a, b *autograd.Tensor
	n := images.Dim(0)
	if second == nil {
		n /= 2
		img := m.EncodeImages(g, images)
		a, b = g.Slice(img, 0, 0, n), g.Slice(img, 0, n, 2*n)
	} else {
		b, a = m.EncodeImages(g, second), m.EncodeImages(g, images) // the first views' batch statistics go last into the running ones
	}
	txt := m.EncodeTexts(g, ids, eot)
	inModal := autograd.Scalar(float32(math.Log(1 / ViewTemperature)))
	txtA, txtB := txt, txt
	if txt.Dim(0) == 2*n {
		txtA, txtB = g.Slice(txt, 0, 0, n), g.Slice(txt, 0, n, 2*n)
	}
	var clip *autograd.Tensor
	if w.ViewOnly {
		clip = InfoNCE(g, a, txtA, m.LogitScale)
	} else {
		clip = g.MulScalar(g.Add(InfoNCE(g, a, txtA, m.LogitScale), InfoNCE(g, b, txtB, m.LogitScale)), 0.5)
	}
	loss := g.Add(clip, g.MulScalar(InfoNCE(g, a, b, inModal), w.View))
	if txt.Dim(0) == 2*n {
		loss = g.Add(loss, g.MulScalar(InfoNCE(g, txtA, txtB, inModal), w.Caption))
	}
	return loss
}

// InfoNCE is (CE(s·I·Tᵀ, arange) + CE(s·T·Iᵀ, arange)) / 2 with s =
// exp(min(logitScale, ln 100)), for unit-length rows of img and txt.
func InfoNCE(g *autograd.Tape, img, txt, logitScale *autograd.Tensor) *autograd.Tensor {
	n := img.Dim(0)
	labels := make([]int, n) // read again by the backward pass: one small slice per call
	for i := range labels {
		labels[i] = i
	}
	scale := g.Exp(g.Clamp(logitScale, -MaxLogitScale*10, MaxLogitScale))
	logits := g.Mul(g.MatMul(img, txt, false, true), scale) // [N, N] image→text
	perImage := g.CrossEntropy(logits, labels)
	perText := g.CrossEntropy(g.Transpose(logits, 0, 1), labels)
	return g.MulScalar(g.Add(perImage, perText), 0.5)
}
