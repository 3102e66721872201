package clipmodel

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/vision"
)

// topHalf marks the more similar half of the pairs safe.
func topHalf(_ int, sim []float64) ([]bool, error) {
	s := slices.Clone(sim)
	slices.Sort(s)
	med := s[len(s)/2]
	safe := make([]bool, len(sim))
	for i, v := range sim {
		safe[i] = v >= med
	}
	return safe, nil
}

func TestCaptionPoolIsFirstInFirstOut(t *testing.T) {
	p := newCaptionPool(3, 2)
	p.push([]float32{1, 0, 0, 1})
	if p.full() || p.n != 2 {
		t.Fatalf("after 2 of 3 entries: full %v, n %d", p.full(), p.n)
	}
	p.push([]float32{-1, 0, 0, -1}) // the 4th entry replaces the 1st, (1, 0)
	if !p.full() {
		t.Fatal("pool of 3 not full after 4 entries")
	}
	got := p.nearest([]float32{1, 0, 0, 1, 0.6, -0.8})
	// The ring holds (0, -1), (0, 1), (-1, 0): (1, 0) ties between the first
	// two and takes the first.
	want := []float32{0, -1, 0, 1, 0, -1}
	if !slices.Equal(got, want) {
		t.Errorf("nearest = %v, want %v", got, want)
	}
}

// In a matching epoch the loss is InfoNCE of the images against their
// nearest pool captions, and only the image tower (and the scale) learns.
func TestPoolLossTrainsImagesAgainstNearestPoolCaptions(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	ids, eot, images := fixtureBatch(t, f, n)
	pool := newCaptionPool(8, m.Config.EmbedDim)
	g := autograd.NewTape()
	m.poolLoss(g, pool, true, images, ids, eot) // pool not full: a plain CLIP step that fills it
	if pool.n != n {
		t.Fatalf("a plain step put %d captions in the pool, want %d", pool.n, n)
	}
	g.Reset()
	m.poolLoss(g, pool, false, images, ids, eot)
	if !pool.full() {
		t.Fatalf("pool holds %d of 8 after two batches of %d", pool.n, n)
	}
	g.Reset()

	before := slices.Clone(pool.emb)
	nn.ZeroGrad(nn.Tensors(nn.NamedParams(m)))
	loss := m.poolLoss(g, pool, true, images, ids, eot)
	got := loss.Item()
	g.Backward(loss)
	if !slices.Equal(before, pool.emb) {
		t.Error("a matching step changed the pool")
	}
	text, vis := gradNorm(m.Text), gradNorm(m.Visual)
	if text != 0 || !(vis > 0) {
		t.Errorf("matching step: text tower grad norm %g (want 0), image tower %g (want > 0)", text, vis)
	}

	g2 := autograd.NewTape()
	img := m.EncodeImages(g2, images)
	near := autograd.New(pool.nearest(img.Data), img.Shape...)
	want := InfoNCE(g2, img, near, m.LogitScale).Item()
	if math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("matching loss %v, InfoNCE against the nearest pool captions %v", got, want)
	}
}

// The safe step is the CLIP loss on the safe rows plus the in-modal terms
// on the risky ones, each computed on its own.
func TestSafeLossSplitsTheBatch(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	const n, safe = 6, 4
	ids, eot, images := fixtureBatch(t, f, n)
	ctx, s, risky := f.ex.Context, images.Dim(2), n-safe
	// Stand-ins for the risky rows' second views and caption copies: any do.
	secondViews := autograd.New(slices.Clone(images.Data[:risky*3*s*s]), risky, 3, s, s)
	allIDs := append(slices.Clone(ids), ids[:risky*ctx]...)
	allEOT := append(slices.Clone(eot), eot[:risky]...)

	nn.SetTraining(m, false) // batch norm on running statistics, so the parts below see the same numbers
	g := autograd.NewTape()
	got := m.safeLoss(g, images, secondViews, allIDs, allEOT, safe).Item()

	a := m.EncodeImages(g, images)
	txt := m.EncodeTexts(g, allIDs, allEOT)
	b := m.EncodeImages(g, secondViews)
	inModal := autograd.Scalar(float32(math.Log(1 / ViewTemperature)))
	want := InfoNCE(g, g.Slice(a, 0, 0, safe), g.Slice(txt, 0, 0, safe), m.LogitScale).Item() +
		InfoNCE(g, g.Slice(a, 0, safe, n), b, inModal).Item() +
		InfoNCE(g, g.Slice(txt, 0, safe, n), g.Slice(txt, 0, n, n+risky), inModal).Item()
	if math.Abs(float64(got-want)) > 1e-4 {
		t.Errorf("safe loss %v, its three terms add to %v", got, want)
	}
}

// Train asks the split rule once per epoch after the warm-up, with one
// score per pair, and a rule that errs stops the run with its message.
func TestTrainDrawsTheSafeSplitEachEpoch(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	var epochs []int
	rule := func(epoch int, sim []float64) ([]bool, error) {
		if len(sim) != f.ex.Len() {
			t.Errorf("split rule got %d scores for %d pairs", len(sim), f.ex.Len())
		}
		for _, v := range sim {
			if !(v >= -1-1e-6 && v <= 1+1e-6) {
				t.Fatalf("similarity %v is not a cosine", v)
			}
		}
		epochs = append(epochs, epoch)
		return topHalf(epoch, sim)
	}
	opt := TrainOptions{Epochs: 3, BatchSize: 16, LR: 1e-3, Seed: 1, Safe: &SafeSplit{WarmupEpochs: 1, Split: rule}}
	if _, err := Train(m, f.ex, f.im, opt); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(epochs, []int{0, 1}) {
		t.Errorf("split rule called for epochs %v, want [0 1] (after one warm-up epoch of three)", epochs)
	}
	opt.Safe.Split = func(int, []float64) ([]bool, error) { return make([]bool, 3), nil }
	if _, err := Train(m, f.ex, f.im, opt); err == nil || !strings.Contains(err.Error(), "marked 3 pairs") {
		t.Errorf("a rule marking 3 of %d pairs: err %v", f.ex.Len(), err)
	}
}

func TestTrainingDefenseOptionsAreChecked(t *testing.T) {
	split := &SafeSplit{Split: topHalf}
	for _, c := range []struct {
		opt  TrainOptions
		want string
	}{
		{TrainOptions{Pool: &CaptionPool{Size: 8, Every: 1}, Safe: split}, "train with one"},
		{TrainOptions{Pool: &CaptionPool{Size: 8, Every: 1}, ViewLoss: 1}, "view_loss"},
		{TrainOptions{Pool: &CaptionPool{Size: 0, Every: 1}}, "pool size"},
		{TrainOptions{Pool: &CaptionPool{Size: 8, Every: 0}}, "every"},
		{TrainOptions{Safe: &SafeSplit{}}, "no split rule"},
		{TrainOptions{Epochs: 2, Safe: &SafeSplit{WarmupEpochs: 2, Split: topHalf}}, "warm-up"},
		{TrainOptions{Safe: split, NoAugment: true}, "augmentation"},
	} {
		err := c.opt.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want one naming %q", c.opt, err, c.want)
		}
	}
}

// fixtureBatch is the fixture's first n pairs as a batch: token rows, end
// positions and unaugmented images.
func fixtureBatch(t *testing.T, f *resumeFixture, n int) ([]int, []int, *autograd.Tensor) {
	t.Helper()
	s := f.cfg.Vision.ImageSize
	buf := make([]float32, n*3*s*s)
	if err := vision.FillBatch(buf, f.im.Cache, f.ex.Slot[:n], nil, nil); err != nil {
		t.Fatal(err)
	}
	ctx := f.ex.Context
	return slices.Clone(f.ex.Tokens[:n*ctx]), slices.Clone(f.ex.EOT[:n]), autograd.New(buf, n, 3, s, s)
}

func gradNorm(mod nn.Module) float64 {
	var s float64
	for _, p := range nn.NamedParams(mod) {
		if g := p.Tensor.Grad; g != nil {
			for _, v := range g {
				s += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(s)
}
