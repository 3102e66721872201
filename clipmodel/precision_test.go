package clipmodel

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

// precisionLosses trains a fresh model (same seeds every time) at the given
// precision and returns the loss of every step.
func (f *resumeFixture) precisionLosses(t *testing.T, precision string, epochs int) []float64 {
	t.Helper()
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opt := TrainOptions{Epochs: epochs, BatchSize: 16, LR: 2e-3, WarmupSteps: 3, WeightDecay: 0.1, ClipNorm: 1,
		Seed: 11, OutDir: dir, Precision: precision}
	if _, err := Train(m, f.ex, f.im, opt); err != nil {
		t.Fatalf("%s: %v", precision, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r StepRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("bad metrics line %q: %v", line, err)
		}
		losses = append(losses, r.Loss)
	}
	return losses
}

// Both runs start from the same weights and see the same batches, so the
// only difference is bf16 rounding of GEMM operands. Measured on this
// fixture, per-step losses differ by < 0.01 over 36 steps; the tolerance
// below is twice that, plus 0.5% of the loss.
const bf16LossTol = 0.02

func TestTrainBF16TracksFP32(t *testing.T) {
	// The test model's GEMMs are all below the size where bf16 pays off;
	// round them anyway so the bf16 path is what is tested.
	old := autograd.BF16MinWork
	autograd.BF16MinWork = 0
	defer func() { autograd.BF16MinWork = old }()
	for _, typ := range []string{"vit", "basic_resnet"} {
		t.Run(typ, func(t *testing.T) {
			f := newResumeFixture(t, typ)
			fp := f.precisionLosses(t, "fp32", 3)
			bf := f.precisionLosses(t, "bf16", 3)
			if len(fp) != len(bf) || len(fp) < 30 {
				t.Fatalf("fp32 ran %d steps, bf16 %d; want the same, at least 30", len(fp), len(bf))
			}
			maxDiff := 0.0
			for i := range fp {
				d := math.Abs(bf[i] - fp[i])
				if d > bf16LossTol+0.005*fp[i] {
					t.Errorf("step %d: bf16 loss %.4f, fp32 %.4f: differ by more than %.3g", i+1, bf[i], fp[i], bf16LossTol)
				}
				maxDiff = max(maxDiff, d)
			}
			if maxDiff < 1e-5 {
				t.Errorf("bf16 losses equal fp32 to %.2g: the bf16 GEMMs did not run", maxDiff)
			}
			head, tailFP, tailBF := mean(fp[:6]), mean(fp[len(fp)-6:]), mean(bf[len(bf)-6:])
			if tailFP > head-0.3 || tailBF > head-0.3 {
				t.Errorf("loss fell from %.3f to %.3f (fp32) and %.3f (bf16); want both to fall by at least 0.3", head, tailFP, tailBF)
			}
			t.Logf("first-6 mean %.4f, last-6 mean fp32 %.4f bf16 %.4f, max per-step diff %.4f", head, tailFP, tailBF, maxDiff)
		})
	}
}

func TestTrainRejectsUnknownPrecision(t *testing.T) {
	f := newResumeFixture(t, "vit")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(m, f.ex, f.im, TrainOptions{BatchSize: 16, Precision: "fp16"})
	if err == nil || !strings.Contains(err.Error(), "fp16") || !strings.Contains(err.Error(), "bf16") {
		t.Errorf("Train with precision fp16: err %v, want one naming fp16 and the choices", err)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
