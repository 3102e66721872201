package clipmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/text"
)

// resumeFixture is a small shapes set made ready for a testConfig model.
type resumeFixture struct {
	cfg         Config
	ex          *Examples
	im          *Images
	viewLoss    float64 // TrainOptions.ViewLoss of every run
	captionLoss float64 // and its CaptionLoss
	captionAug  string  // and its CaptionAugment
	viewAug     string  // and its ViewAugment
	pool        *CaptionPool
	safe        *SafeSplit
	ema         float64 // and its EMA
}

func newResumeFixture(t *testing.T, visionType string) *resumeFixture {
	t.Helper()
	ds, err := dataset.Shapes(dataset.ShapesOptions{Seed: 3, Train: 40, TestPerClass: 1, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(visionType)
	var captions []string
	for _, r := range ds.Rows {
		captions = append(captions, r.Captions...)
	}
	tok := text.TrainBPE(captions, 60)
	cfg.Text.VocabSize = tok.VocabSize()
	im, err := BuildImages(ds, cfg.Vision.ImageSize, filepath.Join(t.TempDir(), "shapes.imgcache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := MakeExamples(ds, dataset.Train, im, tok, cfg.Text.ContextLength)
	if err != nil {
		t.Fatal(err)
	}
	return &resumeFixture{cfg: cfg, ex: ex, im: im}
}

// train runs Train on a fresh model (same seed every time) into dir.
func (f *resumeFixture) train(t *testing.T, dir string, resume bool, stopAfter int) error {
	t.Helper()
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	// 200 pairs / batch 16 = 12 steps per epoch; checkpoints every 5 steps
	// and at epoch ends (12, 24, 36), so step 17 is between checkpoints.
	opt := TrainOptions{Epochs: 3, BatchSize: 16, LR: 1e-3, WarmupSteps: 3, WeightDecay: 0.1, ClipNorm: 1,
		Seed: 11, CheckpointEvery: 5, OutDir: dir, Resume: resume, StopAfter: stopAfter, ViewLoss: f.viewLoss, CaptionLoss: f.captionLoss, CaptionAugment: f.captionAug, ViewAugment: f.viewAug,
		Pool: f.pool, Safe: f.safe, EMA: f.ema}
	_, err = Train(m, f.ex, f.im, opt)
	return err
}

// sameTensors reports every tensor that differs, bit for bit, between a and b.
func sameTensors(t *testing.T, what string, a, b map[string]*autograd.Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d tensors vs %d", what, len(a), len(b))
	}
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		x, y := a[n], b[n]
		if y == nil {
			t.Errorf("%s: %s missing after resume", what, n)
			continue
		}
		if len(x.Data) != len(y.Data) {
			t.Errorf("%s: %s has %d values vs %d", what, n, len(x.Data), len(y.Data))
			continue
		}
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
				t.Errorf("%s: %s[%d] = %v uninterrupted, %v resumed", what, n, i, x.Data[i], y.Data[i])
				break
			}
		}
	}
}

// metricSteps reads the step numbers of a metrics.jsonl.
func metricSteps(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r StepRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, line, err)
		}
		steps = append(steps, r.Step)
	}
	return steps
}

// The ResNet tower has batch norm, whose running statistics must survive
// the checkpoint too.
func TestResumeIsBitIdentical(t *testing.T) {
	for _, typ := range []string{"vit", "basic_resnet"} {
		t.Run(typ, func(t *testing.T) { testResumeIsBitIdentical(t, newResumeFixture(t, typ)) })
	}
	// The second view draws its own augmentation stream, which must resume too.
	t.Run("two views", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.viewLoss = 1
		testResumeIsBitIdentical(t, f)
	})
	// So does the second caption's draw.
	t.Run("two views and two captions", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.viewLoss, f.captionLoss = 1, 0.5
		testResumeIsBitIdentical(t, f)
	})
	t.Run("two views and EDA captions", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.viewLoss, f.captionLoss, f.captionAug = 1, 1, CaptionEDA
		testResumeIsBitIdentical(t, f)
	})
	// The training-time defenses' memory, RoCLIP's caption pool and
	// SafeCLIP's safe set, is saved with the checkpoint: step 17 is in the
	// second epoch, the pool's first matching epoch and the first split.
	t.Run("caption pool", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.pool = &CaptionPool{Size: 24, Every: 2}
		testResumeIsBitIdentical(t, f)
	})
	t.Run("safe split", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.safe = &SafeSplit{WarmupEpochs: 1, Split: topHalf}
		testResumeIsBitIdentical(t, f)
	})
	// The weight average is the checkpoint's model; the live weights ride
	// along as training state.
	t.Run("weight average", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.viewLoss, f.ema = 1, 0.9
		testResumeIsBitIdentical(t, f)
	})
	t.Run("strong second views", func(t *testing.T) {
		f := newResumeFixture(t, "basic_resnet")
		f.viewLoss, f.captionLoss, f.viewAug = 1, 1, ViewStrong
		testResumeIsBitIdentical(t, f)
	})
}

func testResumeIsBitIdentical(t *testing.T, f *resumeFixture) {
	if f.ex.Len() != 200 {
		t.Fatalf("fixture has %d pairs, the step arithmetic below assumes 200", f.ex.Len())
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	if err := f.train(t, dirA, false, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.train(t, dirB, false, 17); !errors.Is(err, ErrStopped) {
		t.Fatalf("run stopped at step 17 returned %v, want ErrStopped", err)
	}
	mid, _, _, err := ReadCheckpoint(filepath.Join(dirB, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if mid.Step != 15 {
		t.Fatalf("stopped run's last checkpoint is at step %d, want 15", mid.Step)
	}
	_, modelMid, _, _ := ReadCheckpoint(filepath.Join(dirB, CheckpointFile))
	if err := f.train(t, dirB, true, 0); err != nil {
		t.Fatal(err)
	}

	stA, modelA, optA, err := ReadCheckpoint(filepath.Join(dirA, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	stB, modelB, optB, err := ReadCheckpoint(filepath.Join(dirB, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if stA.Step != 36 || stB.Step != 36 || stA.Epoch != stB.Epoch {
		t.Errorf("final states: uninterrupted step %d epoch %d, resumed step %d epoch %d; want step 36 in both",
			stA.Step, stA.Epoch, stB.Step, stB.Epoch)
	}
	if len(optA) == 0 {
		t.Fatal("checkpoint holds no optimiser state")
	}
	if v := modelMid["logit_scale"].Data[0]; v == modelB["logit_scale"].Data[0] {
		t.Errorf("logit_scale did not move between steps 15 and 36 (%v): the comparison below would prove little", v)
	}
	sameTensors(t, "model", modelA, modelB)
	sameTensors(t, "optimiser", optA, optB)
	sameTensors(t, "training state", stA.Extra, stB.Extra)
	if f.ema > 0 && len(stA.Extra) == 0 {
		t.Error("a run with a weight average saved no live weights")
	}

	steps := metricSteps(t, filepath.Join(dirB, MetricsFile))
	if len(steps) != 36 {
		t.Errorf("resumed metrics.jsonl has %d records, want 36", len(steps))
	}
	for i, s := range steps {
		if s != i+1 {
			t.Fatalf("resumed metrics.jsonl record %d is step %d, want %d (steps %v)", i, s, i+1, steps)
		}
	}
}

func TestResumeFromTruncatedCheckpointNamesTheFile(t *testing.T) {
	f := newResumeFixture(t, "vit")
	dir := t.TempDir()
	if err := f.train(t, dir, false, 6); !errors.Is(err, ErrStopped) {
		t.Fatalf("run stopped at step 6 returned %v, want ErrStopped", err)
	}
	path := filepath.Join(dir, CheckpointFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	err = f.train(t, dir, true, 0)
	if err == nil {
		t.Fatal("resuming from a truncated checkpoint succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the checkpoint %s", err, path)
	}
}
