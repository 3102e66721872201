package clipmodel

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/nn"
)

func TestCaptionsOneTakesEachImageOncePerEpoch(t *testing.T) {
	f := newResumeFixture(t, "vit")
	groups := pairsByRow(f.ex)
	if len(groups) != 40 {
		t.Fatalf("%d row groups, want the fixture's 40 training images", len(groups))
	}
	opt := TrainOptions{Seed: 5, Captions: CaptionsOne}.withDefaults()
	var picks [][]int
	for epoch := range 3 {
		order := epochOrder(f.ex, opt, epoch, groups)
		if len(order) != len(groups) {
			t.Fatalf("epoch %d: %d pairs, want one per image (%d)", epoch, len(order), len(groups))
		}
		rows := map[int]bool{}
		for _, p := range order {
			if rows[f.ex.Row[p]] {
				t.Fatalf("epoch %d: image row %d drawn twice", epoch, f.ex.Row[p])
			}
			rows[f.ex.Row[p]] = true
		}
		if again := epochOrder(f.ex, opt, epoch, groups); !slices.Equal(order, again) {
			t.Fatalf("epoch %d: order is not a pure function of (seed, epoch)", epoch)
		}
		picks = append(picks, slices.Sorted(slices.Values(order)))
	}
	if slices.Equal(picks[0], picks[1]) && slices.Equal(picks[1], picks[2]) {
		t.Error("the same captions were drawn in all three epochs")
	}
	all := epochOrder(f.ex, TrainOptions{Seed: 5}.withDefaults(), 0, nil)
	if len(all) != f.ex.Len() {
		t.Errorf("captions=all gave %d pairs, want all %d", len(all), f.ex.Len())
	}
}

func TestTrainWithCaptionsOneAndStrongAugment(t *testing.T) {
	f := newResumeFixture(t, "vit")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	opt := TrainOptions{Epochs: 2, BatchSize: 8, LR: 1e-3, Seed: 3, Captions: CaptionsOne, CropScale: 0.4, Flip: true, Jitter: 0.3}
	res, err := Train(m, f.ex, f.im, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 2*(40/8) {
		t.Errorf("%d steps, want 2 epochs of 40 images / batch 8 = 10", res.Steps)
	}
}

// A smaller second view trains (the tower encodes each view in its own
// pass) and changes the run; a tower with a fixed input size refuses it.
func TestTrainWithASmallerSecondView(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	weights := func(second int) []float32 {
		m, err := New(f.cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		opt := TrainOptions{Epochs: 1, BatchSize: 8, Seed: 3, Captions: CaptionsOne, CropScale: 0.5, ViewLoss: 1, CaptionLoss: 1, SecondViewSize: second}
		if _, err := Train(m, f.ex, f.im, opt); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(nn.StateDict(m.Visual)["stem.0.weight"].Data)
	}
	if slices.Equal(weights(0), weights(12)) {
		t.Error("a 12px second view trained the same weights as a 16px one")
	}
	v := newResumeFixture(t, "vit")
	m, err := New(v.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(m, v.ex, v.im, TrainOptions{Epochs: 1, BatchSize: 8, ViewLoss: 1, SecondViewSize: 8})
	if err == nil || !strings.Contains(err.Error(), "basic_resnet") {
		t.Errorf("ViT with an 8px second view: error %v, want one naming basic_resnet", err)
	}
}

func TestTrainOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		opt  TrainOptions
		want string
	}{
		{TrainOptions{Epochs: -1}, "epochs"},
		{TrainOptions{BatchSize: 1}, "batch"},
		{TrainOptions{LR: -1}, "lr"},
		{TrainOptions{CropScale: 1.5}, "crop scale"},
		{TrainOptions{Jitter: 1}, "jitter"},
		{TrainOptions{Captions: "some"}, "captions"},
		{TrainOptions{ViewLoss: -1}, "view loss"},
		{TrainOptions{ViewLoss: math.NaN()}, "view loss"},
		{TrainOptions{ViewLoss: 1, NoAugment: true}, "augmentation"},
		{TrainOptions{CaptionLoss: -0.5}, "caption loss"},
		{TrainOptions{CaptionLoss: math.Inf(1)}, "caption loss"},
		{TrainOptions{CaptionAugment: "backtranslate"}, "caption augment"},
		{TrainOptions{ViewLoss: 1, ViewAugment: "heavy"}, "view augment"},
		{TrainOptions{ViewAugment: ViewStrong}, "view loss"},
		{TrainOptions{SecondViewSize: 32}, "second view"},
		{TrainOptions{ViewLoss: 1, SecondViewSize: -1}, "second view size"},
	} {
		err := c.opt.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.opt, err, c.want)
		}
	}
	if err := (TrainOptions{}).Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

// A frozen BatchNorm tower stays in evaluation mode across the per-epoch
// evaluations: its running statistics must not move during training.
func TestFrozenResNetKeepsItsStatisticsThroughEpochEvals(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	stats := func() map[string][]float32 {
		out := map[string][]float32{}
		for name, v := range nn.StateDict(m.Visual) {
			if strings.Contains(name, "running_") {
				out[name] = slices.Clone(v.Data)
			}
		}
		return out
	}
	before := stats()
	if len(before) == 0 {
		t.Fatal("the ResNet tower has no running statistics")
	}
	evals := 0
	opt := TrainOptions{Epochs: 3, BatchSize: 16, LR: 1e-3, Seed: 3, Freeze: "image",
		OnEpoch: func(int, *Model) error {
			evals++
			_, err := m.EmbedImages(f.im.Cache, []int{0, 1, 2})
			return err
		}}
	if _, err := Train(m, f.ex, f.im, opt); err != nil {
		t.Fatal(err)
	}
	if evals != 3 {
		t.Fatalf("%d epoch evaluations, want 3", evals)
	}
	for name, v := range stats() {
		if !slices.Equal(v, before[name]) {
			t.Errorf("%s moved while the image tower was frozen", name)
		}
	}
}

// A diverged run (lr 1e30) must stop with an error, not save a model whose
// embeddings are NaN (its loss can stay finite at ln N).
func TestDivergedTrainingStops(t *testing.T) {
	f := newResumeFixture(t, "vit")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = Train(m, f.ex, f.im, TrainOptions{Epochs: 3, BatchSize: 16, LR: 1e30, Seed: 3, OutDir: dir})
	if err == nil || !(strings.Contains(err.Error(), "not finite") || strings.Contains(err.Error(), "NaN")) {
		t.Fatalf("training at lr 1e30 gave %v, want a non-finite error", err)
	}
	if errors.Is(err, ErrNonFinite) {
		return
	}
	if !strings.Contains(err.Error(), "weight") && !strings.Contains(err.Error(), "loss") && !strings.Contains(err.Error(), "gradient") {
		t.Errorf("error %q names neither embeddings, a weight, the loss nor the gradient", err)
	}
}

// The second caption is another caption of the same image, each of the
// others about equally often, and the caption itself only when it is alone.
func TestOtherCaptionDrawsTheImagesOtherCaptionsUniformly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	group := []int{10, 11, 12, 13, 14}
	for _, p := range group {
		seen := map[int]int{}
		for range 4000 {
			seen[otherCaption(group, p, rng)]++
		}
		if seen[p] != 0 {
			t.Errorf("pair %d drew itself %d times", p, seen[p])
		}
		for _, q := range group {
			if q != p && (seen[q] < 850 || seen[q] > 1150) {
				t.Errorf("pair %d drew %d %d times of 4000, want about 1000", p, q, seen[q])
			}
		}
	}
	if got := otherCaption([]int{7}, 7, rng); got != 7 {
		t.Errorf("a lone caption drew %d, want itself", got)
	}
	of := groupIndex([][]int{{2, 0}, {1, 3}}, 4)
	if want := []int{0, 1, 0, 1}; !slices.Equal(of, want) {
		t.Errorf("groupIndex = %v, want %v", of, want)
	}
}
