package clipmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// testConfig is a very small model for fast tests.
func testConfig(visionType string) Config {
	c, err := LoadConfig("tiny")
	if err != nil {
		panic(err)
	}
	c.EmbedDim = 16
	c.Text.VocabSize = 50
	c.Text.ContextLength = 8
	c.Text.Width, c.Text.Heads, c.Text.Layers = 16, 2, 1
	switch visionType {
	case "vit":
		c.Vision.Width, c.Vision.Heads, c.Vision.Layers = 16, 2, []int{1}
		c.Vision.ImageSize, c.Vision.PatchSize = 16, 8
	case "modified_resnet":
		c.Vision = visionConfig("modified_resnet", 32)
		c.Vision.Width, c.Vision.Layers, c.Vision.Heads = 8, []int{1, 1, 1, 1}, 2
	case "basic_resnet":
		c.Vision = visionConfig("basic_resnet", 16)
		c.Vision.Widths, c.Vision.Layers, c.Vision.Strides = []int{4, 8}, []int{1, 1}, []int{1, 2}
	}
	return c
}

func randomBatch(rng *rand.Rand, c Config, n int) (*autograd.Tensor, []int, []int) {
	s := c.Vision.ImageSize
	img := autograd.Zeros(n, 3, s, s)
	for i := range img.Data {
		img.Data[i] = float32(rng.NormFloat64())
	}
	ctx := c.Text.ContextLength
	ids := make([]int, n*ctx)
	eot := make([]int, n)
	for b := 0; b < n; b++ {
		l := 2 + rng.IntN(ctx-1)
		for t := 0; t < l-1; t++ {
			ids[b*ctx+t] = 1 + rng.IntN(c.Text.VocabSize-2)
		}
		ids[b*ctx+l-1] = c.Text.VocabSize - 1
		eot[b] = l - 1
	}
	return img, ids, eot
}

func TestEveryParameterGetsAGradient(t *testing.T) {
	for _, typ := range []string{"vit", "modified_resnet", "basic_resnet"} {
		t.Run(typ, func(t *testing.T) {
			c := testConfig(typ)
			m, err := New(c, 1)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			img, ids, eot := randomBatch(rng, c, 6)
			g := autograd.NewTape()
			loss := m.Loss(g, img, ids, eot)
			// Logits lie in [-s, s] with s = 1/0.07, so the loss is within 2s of ln N.
			if v := float64(loss.Item()); math.IsNaN(v) || math.Abs(v-math.Log(6)) > 2/0.07 {
				t.Fatalf("loss at init = %v, want within 2/0.07 of ln 6", v)
			}
			g.Backward(loss)
			for _, p := range nn.NamedParams(m) {
				if p.Tensor.Grad == nil {
					t.Errorf("parameter %s got no gradient", p.Name)
				}
			}
		})
	}
}

func TestStateDictUsesOpenAINames(t *testing.T) {
	m, err := New(testConfig("vit"), 1)
	if err != nil {
		t.Fatal(err)
	}
	sd := nn.StateDict(m)
	for _, name := range []string{"logit_scale", "token_embedding.weight", "positional_embedding", "text_projection",
		"ln_final.weight", "transformer.resblocks.0.attn.in_proj_weight", "transformer.resblocks.0.mlp.c_fc.weight",
		"visual.conv1.weight", "visual.class_embedding", "visual.proj", "visual.transformer.resblocks.0.ln_1.bias"} {
		if _, ok := sd[name]; !ok {
			var keys []string
			for k := range sd {
				keys = append(keys, k)
			}
			t.Errorf("state dict lacks %q; has %s", name, strings.Join(keys, " "))
		}
	}
}

func TestPresetsLoadAndValidate(t *testing.T) {
	for _, name := range Presets() {
		c, err := LoadConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if c.Text.VocabSize == 0 {
			c.Text.VocabSize = 1000
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	if _, err := LoadConfig("no-such-model"); err == nil || !strings.Contains(err.Error(), "tiny") {
		t.Errorf("unknown preset error should list the presets, got %v", err)
	}
}

// infoNCE64 is the loss computed directly in float64 from its definition.
func infoNCE64(img, txt []float32, n, e int, scale float64) float64 {
	logit := func(i, j int) float64 {
		var s float64
		for k := 0; k < e; k++ {
			s += float64(img[i*e+k]) * float64(txt[j*e+k])
		}
		return scale * s
	}
	var loss float64
	for i := 0; i < n; i++ {
		var rowSum, colSum float64
		for j := 0; j < n; j++ {
			rowSum += math.Exp(logit(i, j))
			colSum += math.Exp(logit(j, i))
		}
		loss += (math.Log(rowSum) - logit(i, i)) + (math.Log(colSum) - logit(i, i))
	}
	return loss / (2 * float64(n))
}

func unitRows(rng *rand.Rand, n, e int) *autograd.Tensor {
	t := autograd.Param(n, e)
	for i := 0; i < n; i++ {
		var norm float64
		for k := 0; k < e; k++ {
			v := rng.NormFloat64()
			t.Data[i*e+k] = float32(v)
			norm += v * v
		}
		for k := 0; k < e; k++ {
			t.Data[i*e+k] /= float32(math.Sqrt(norm))
		}
	}
	return t
}

func TestInfoNCEMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, e = 5, 7
	img, txt := unitRows(rng, n, e), unitRows(rng, n, e)
	for _, ls := range []float32{0.5, float32(math.Log(1 / 0.07)), 6} { // 6 > ln 100: clamped
		scale := autograd.Param()
		scale.Data[0] = ls
		g := autograd.NewTape()
		got := float64(InfoNCE(g, img, txt, scale).Item())
		want := infoNCE64(img.Data, txt.Data, n, e, math.Exp(math.Min(float64(ls), math.Log(100))))
		if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("logit scale %v: InfoNCE = %v, float64 definition = %v", ls, got, want)
		}
	}
	scale := autograd.Param()
	scale.Data[0] = 1
	if err := autograd.GradCheck(func(g *autograd.Tape) *autograd.Tensor { return InfoNCE(g, img, txt, scale) },
		[]*autograd.Tensor{img, txt, scale}, 1e-2, 2e-3, 2e-2); err != nil {
		t.Error(err)
	}
}

// TwoViewLoss on a 2N batch equals its definition computed from each half
// encoded alone (the ViT tower has no batch statistics, so halves are
// independent): with N captions, the mean CLIP loss of the views plus
// w·InfoNCE(view1, view2) at temperature 0.1; with 2N captions, each view
// against its own caption, plus c·InfoNCE(caption1, caption2); with the
// second views kept to the view term, the first views' CLIP loss alone.
func TestTwoViewLossMatchesDefinition(t *testing.T) {
	cfg := testConfig("vit")
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	s, ctx := cfg.Vision.ImageSize, cfg.Text.ContextLength
	images, ids2, eot2 := randomBatch(rand.New(rand.NewPCG(8, 9)), cfg, 2*n)
	ids, eot := ids2[:n*ctx], eot2[:n]
	pix := images.Data
	embed := func(lo, hi int) []float32 {
		g := autograd.NewTape()
		return append([]float32(nil), m.EncodeImages(g, autograd.New(pix[lo*3*s*s:hi*3*s*s], hi-lo, 3, s, s)).Data...)
	}
	embedText := func(lo, hi int) []float32 {
		return append([]float32(nil), m.EncodeTexts(autograd.NewTape(), ids2[lo*ctx:hi*ctx], eot2[lo:hi]).Data...)
	}
	a, b := embed(0, n), embed(n, 2*n)
	txt, txt2 := embedText(0, n), embedText(n, 2*n)
	e := cfg.EmbedDim
	scale := math.Exp(float64(m.LogitScale.Data[0]))
	check := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: TwoViewLoss = %v, definition = %v", what, got, want)
		}
	}
	for _, w := range []float32{0, 0.5} {
		want := 0.5*(infoNCE64(a, txt, n, e, scale)+infoNCE64(b, txt, n, e, scale)) + float64(w)*infoNCE64(a, b, n, e, 1/ViewTemperature)
		got := float64(m.TwoViewLoss(autograd.NewTape(), autograd.New(pix, 2*n, 3, s, s), nil, ids, eot, TwoViewWeights{View: w, Caption: 7}).Item())
		check(fmt.Sprintf("N captions, view weight %v", w), got, want)
	}
	for _, texts := range []int{n, 2 * n} {
		want := infoNCE64(a, txt, n, e, scale) + 0.5*infoNCE64(a, b, n, e, 1/ViewTemperature)
		if texts == 2*n {
			want += 0.7 * infoNCE64(txt, txt2, n, e, 1/ViewTemperature)
		}
		got := float64(m.TwoViewLoss(autograd.NewTape(), autograd.New(pix, 2*n, 3, s, s), nil, ids2[:texts*ctx], eot2[:texts], TwoViewWeights{View: 0.5, Caption: 0.7, ViewOnly: true}).Item())
		check(fmt.Sprintf("second views in the view term only, %d captions", texts), got, want)
	}
	for _, c := range []float32{0, 0.7} {
		want := 0.5*(infoNCE64(a, txt, n, e, scale)+infoNCE64(b, txt2, n, e, scale)) +
			0.5*infoNCE64(a, b, n, e, 1/ViewTemperature) + float64(c)*infoNCE64(txt, txt2, n, e, 1/ViewTemperature)
		got := float64(m.TwoViewLoss(autograd.NewTape(), autograd.New(pix, 2*n, 3, s, s), nil, ids2, eot2, TwoViewWeights{View: 0.5, Caption: c}).Item())
		check(fmt.Sprintf("2N captions, caption weight %v", c), got, want)
	}
}

// With the second views passed apart, at another size, TwoViewLoss is its
// definition computed from each view's batch encoded alone (batch norm
// included: each pass has its own statistics).
func TestTwoViewLossSecondViewsApart(t *testing.T) {
	cfg := testConfig("basic_resnet")
	m, err := New(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	first, ids2, eot2 := randomBatch(rand.New(rand.NewPCG(2, 3)), cfg, 2*n)
	small := cfg
	small.Vision.ImageSize = 12
	second, _, _ := randomBatch(rand.New(rand.NewPCG(4, 5)), small, n)
	s := cfg.Vision.ImageSize
	first = autograd.New(first.Data[:n*3*s*s], n, 3, s, s)
	ctx := cfg.Text.ContextLength
	copyOf := func(x *autograd.Tensor) []float32 { return append([]float32(nil), x.Data...) }
	a := copyOf(m.EncodeImages(autograd.NewTape(), first))
	b := copyOf(m.EncodeImages(autograd.NewTape(), second))
	txt := copyOf(m.EncodeTexts(autograd.NewTape(), ids2[:n*ctx], eot2[:n]))
	txt2 := copyOf(m.EncodeTexts(autograd.NewTape(), ids2[n*ctx:], eot2[n:]))
	e, scale := cfg.EmbedDim, math.Exp(float64(m.LogitScale.Data[0]))
	want := 0.5*(infoNCE64(a, txt, n, e, scale)+infoNCE64(b, txt2, n, e, scale)) +
		0.5*infoNCE64(a, b, n, e, 1/ViewTemperature) + 0.7*infoNCE64(txt, txt2, n, e, 1/ViewTemperature)
	loss := m.TwoViewLoss(autograd.NewTape(), first, second, ids2, eot2, TwoViewWeights{View: 0.5, Caption: 0.7})
	if got := float64(loss.Item()); math.Abs(got-want) > 1e-4*math.Max(1, want) {
		t.Errorf("TwoViewLoss with 12px second views = %v, definition = %v", got, want)
	}
}
