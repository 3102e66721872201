package clipmodel

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// emaFixtureOptions: 200 pairs in batches of 32 are 6 steps, one epoch.
func emaFixtureOptions(ema float64) TrainOptions {
	return TrainOptions{Epochs: 1, BatchSize: 32, LR: 3e-3, WarmupSteps: 2, WeightDecay: 0.1, ClipNorm: 1, Seed: 5, EMA: ema}
}

func snapshot(m *Model) map[string][]float64 {
	out := map[string][]float64{}
	for _, n := range nn.StateList(m) {
		v := make([]float64, len(n.Tensor.Data))
		for i, x := range n.Tensor.Data {
			v[i] = float64(x)
		}
		out[n.Name] = v
	}
	return out
}

// The average is checked against its definition, folded in float64 from
// the live weights of runs without one stopped after each step; and
// keeping it must not change the training itself.
func TestWeightAverageFollowsItsDefinition(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	const decay, steps = 0.9, 6
	fresh := func() *Model {
		m, err := New(f.cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	avg := snapshot(fresh())
	var live map[string][]float64
	for k := 1; k <= steps; k++ {
		m, opt := fresh(), emaFixtureOptions(0)
		if k < steps {
			opt.StopAfter = k
		}
		if _, err := Train(m, f.ex, f.im, opt); err != nil && k == steps {
			t.Fatal(err)
		}
		live = snapshot(m)
		d := min(decay, float64(1+k)/float64(10+k))
		for name, w := range live {
			for i := range w {
				avg[name][i] = d*avg[name][i] + (1-d)*w[i]
			}
		}
	}

	m, opt := fresh(), emaFixtureOptions(decay)
	opt.OutDir = t.TempDir()
	var seenByEpoch float32
	opt.OnEpoch = func(_ int, m *Model) error { seenByEpoch = m.LogitScale.Data[0]; return nil }
	if _, err := Train(m, f.ex, f.im, opt); err != nil {
		t.Fatal(err)
	}
	got := snapshot(m)
	moved := 0
	for name, want := range avg {
		for i := range want {
			if math.Abs(got[name][i]-want[i]) > 1e-5*(1+math.Abs(want[i])) {
				t.Fatalf("%s[%d]: average %v, want %v (live %v)", name, i, got[name][i], want[i], live[name][i])
			}
			if math.Abs(got[name][i]-live[name][i]) > 1e-6 {
				moved++
			}
		}
	}
	if moved == 0 {
		t.Fatal("the average equals the live weights: the test proves nothing")
	}
	if seenByEpoch != m.LogitScale.Data[0] {
		t.Errorf("the epoch callback saw logit_scale %v, the average is %v", seenByEpoch, m.LogitScale.Data[0])
	}

	st, weights, _, err := ReadCheckpoint(filepath.Join(opt.OutDir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nn.StateList(m) {
		if !sameBits(weights[n.Name].Data, n.Tensor.Data) {
			t.Fatalf("checkpoint's %s is not the average the run returned", n.Name)
		}
		held := st.Extra[emaLivePrefix+n.Name]
		if held == nil {
			t.Fatalf("checkpoint has no live weights for %s", n.Name)
		}
		for i, x := range held.Data {
			if float64(x) != live[n.Name][i] {
				t.Fatalf("live %s[%d] = %v with the average kept, %v without: the average changed the training", n.Name, i, x, live[n.Name][i])
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// A frozen tower's average is its weights, bit for bit.
func TestWeightAverageKeepsAFrozenTower(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for _, n := range nn.StateList(m.Visual) {
		before[n.Name] = append([]float32(nil), n.Tensor.Data...)
	}
	opt := emaFixtureOptions(0.5)
	opt.Freeze = "image"
	if _, err := Train(m, f.ex, f.im, opt); err != nil {
		t.Fatal(err)
	}
	for _, n := range nn.StateList(m.Visual) {
		if !sameBits(before[n.Name], n.Tensor.Data) {
			t.Errorf("frozen %s changed under the weight average", n.Name)
		}
	}
}

func TestWeightAverageResumeNeedsTheSameSetting(t *testing.T) {
	f := newResumeFixture(t, "vit")
	for _, c := range []struct{ made, resumed float64 }{{0.9, 0}, {0, 0.9}} {
		dir := t.TempDir()
		opt := emaFixtureOptions(c.made)
		opt.OutDir, opt.CheckpointEvery, opt.StopAfter = dir, 2, 3
		m, _ := New(f.cfg, 7)
		if _, err := Train(m, f.ex, f.im, opt); err != ErrStopped {
			t.Fatalf("stopped run: %v", err)
		}
		opt.EMA, opt.StopAfter, opt.Resume = c.resumed, 0, true
		m, _ = New(f.cfg, 7)
		_, err := Train(m, f.ex, f.im, opt)
		if err == nil || !strings.Contains(err.Error(), "ema") || !strings.Contains(err.Error(), dir) {
			t.Errorf("made with ema %g, resumed with %g: error %v, want one naming the checkpoint and ema", c.made, c.resumed, err)
		}
	}
	for _, bad := range []float64{1, -0.1, math.NaN()} {
		if err := emaFixtureOptions(bad).Validate(); err == nil || !strings.Contains(err.Error(), "ema") {
			t.Errorf("ema %v: Validate gave %v", bad, err)
		}
	}
	// The live weights of a checkpoint must fit the model.
	m, _ := New(f.cfg, 7)
	a := newWeightAverage(m, 0.9)
	st := TrainState{Extra: map[string]*autograd.Tensor{}}
	for _, n := range nn.StateList(m) {
		st.Extra[emaLivePrefix+n.Name] = autograd.New(make([]float32, 1), 1)
	}
	if err := a.resume(st, "ck.safetensors"); err == nil || !strings.Contains(err.Error(), "ck.safetensors") {
		t.Errorf("live weights of the wrong size: %v", err)
	}
}
