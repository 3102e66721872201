package clipmodel

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/vision"
)

// PatchOptions shape the optimisation of a backdoor patch (OptimizePatch).
type PatchOptions struct {
	Side     int     // patch side in pixels of the model's input
	Random   bool    // a random position per image; else the bottom-right corner
	Steps    int     // sign-gradient steps
	Batch    int     // images per step
	StepSize float64 // pixel levels (of 255) per step
	Seed     uint64  // initial pixels, batches and positions
}

// OptimizePatch learns a patch's pixels so that the image tower maps images
// wearing it towards target (a unit embedding, such as a class's zero-shot
// prototype): BadCLIP's alignment term (Liang et al., CVPR 2024). Each step
// stamps the patch on a batch of the cached images at slots, embeds them in
// evaluation mode, and moves every pixel StepSize levels against the sign
// of the gradient of the negative mean cosine similarity to target, as
// projected gradient descent does. The model's weights are not changed. It
// returns the Side·Side·3 pixels (HWC) and the mean similarity after each step.
func (m *Model) OptimizePatch(cache *vision.Cache, slots []int, target []float32, o PatchOptions) ([]uint8, []float64, error) {
	s := m.Config.Vision.ImageSize
	switch {
	case cache.Size() != s:
		return nil, nil, fmt.Errorf("optimize patch: image cache holds %dpx images, model expects %dpx", cache.Size(), s)
	case o.Side < 1 || o.Side > s:
		return nil, nil, fmt.Errorf("optimize patch: side %d must be in [1, %d]", o.Side, s)
	case len(target) != m.Config.EmbedDim:
		return nil, nil, fmt.Errorf("optimize patch: target has %d dims, the model embeds in %d", len(target), m.Config.EmbedDim)
	case len(slots) == 0 || o.Steps < 1 || o.Batch < 1 || !(o.StepSize > 0):
		return nil, nil, fmt.Errorf("optimize patch: want images, steps, a batch and a step size, got %d images, %d steps, batch %d, step %g", len(slots), o.Steps, o.Batch, o.StepSize)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9a7c))
	patch := make([]float64, o.Side*o.Side*3) // pixel levels, HWC
	for i := range patch {
		patch[i] = float64(rng.IntN(256))
	}
	params := nn.Parameters(m)
	trainable := make([]bool, len(params))
	for i, p := range params {
		trainable[i] = p.RequiresGrad()
		p.SetRequiresGrad(false)
	}
	defer func() {
		for i, p := range params {
			p.SetRequiresGrad(trainable[i])
		}
	}()
	defer nn.EvalMode(m)()

	n := min(o.Batch, len(slots))
	plane := s * s
	buf := make([]float32, n*3*plane)
	idx := make([]int, n)
	x0s, y0s := make([]int, n), make([]int, n)
	grad := make([]float64, len(patch))
	var sims []float64
	g := autograd.NewTape()
	defer g.Reset()
	for range o.Steps {
		for k := range idx {
			idx[k] = slots[rng.IntN(len(slots))]
			x0s[k], y0s[k] = s-o.Side, s-o.Side
			if o.Random {
				x0s[k], y0s[k] = rng.IntN(s-o.Side+1), rng.IntN(s-o.Side+1)
			}
		}
		if err := vision.FillBatch(buf, cache, idx, nil, nil); err != nil {
			return nil, nil, err
		}
		sim := m.patchObjective(g, buf, n, target, patch, o.Side, x0s, y0s, grad)
		sims = append(sims, sim)
		for i, gr := range grad {
			if gr != 0 {
				patch[i] = math.Min(255, math.Max(0, patch[i]+o.StepSize*math.Copysign(1, gr)))
			}
		}
	}
	out := make([]uint8, len(patch))
	for i, v := range patch {
		out[i] = uint8(math.Round(v))
	}
	return out, sims, nil
}

// patchObjective stamps patch on the n normalised images in buf (changing
// them) at (x0s[k], y0s[k]) and returns their mean cosine similarity to
// target, writing into grad its gradient with respect to the patch's pixel
// levels (without the 1/(255·std) of normalisation, a positive per-channel
// factor that no sign step sees).
func (m *Model) patchObjective(g *autograd.Tape, buf []float32, n int, target []float32, patch []float64, side int, x0s, y0s []int, grad []float64) float64 {
	s := m.Config.Vision.ImageSize
	plane := s * s
	for k := 0; k < n; k++ {
		stampNormalised(buf[k*3*plane:], s, patch, side, x0s[k], y0s[k])
	}
	g.Reset()
	x := autograd.New(buf[:n*3*plane], n, 3, s, s)
	x.SetRequiresGrad(true)
	emb := m.EncodeImages(g, x)
	t := autograd.New(append([]float32(nil), target...), m.Config.EmbedDim, 1)
	loss := g.MulScalar(g.Sum(g.MatMul(emb, t, false, false), 0, false), float32(-1/float64(n)))
	sim := -float64(loss.Item())
	g.Backward(loss)
	clear(grad)
	for k := 0; k < n; k++ {
		for c := 0; c < 3; c++ {
			for y := 0; y < side; y++ {
				row := x.Grad[k*3*plane+c*plane+(y0s[k]+y)*s+x0s[k]:]
				for xx := 0; xx < side; xx++ {
					grad[(y*side+xx)*3+c] -= float64(row[xx]) // of the similarity, not the loss
				}
			}
		}
	}
	return sim
}

// stampNormalised writes the patch (pixel levels, HWC) into one normalised
// CHW image of side s at (x0, y0), as vision.Normalize would.
func stampNormalised(img []float32, s int, patch []float64, side, x0, y0 int) {
	plane := s * s
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			for c := 0; c < 3; c++ {
				img[c*plane+(y0+y)*s+x0+x] = (float32(math.Round(patch[(y*side+x)*3+c]))/255 - vision.CLIPMean[c]) / vision.CLIPStd[c]
			}
		}
	}
}
