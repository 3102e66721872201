package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/experiments"
)

// A backdoor job poisons stamped images, trains on them, and measures the
// triggered test images against the clean model with the same trigger,
// behind the filter too; its image cache does not outlive the job.
func TestBackdoorJobBeatsTheCleanModel(t *testing.T) {
	dir := t.TempDir()
	c := shrunkenDemo(t, dir)
	c.ZeroShot = true
	c.Attacks = []AttackConfig{{Kind: experiments.AttackBackdoor, Goals: []string{"any2ring"},
		Trigger: &experiments.Trigger{Kind: experiments.TriggerPatch, Size: 0.25}, Ratios: []float64{0.1}, Defenses: []string{"none", "filter"}},
		{Kind: experiments.AttackBackdoor, Goals: []string{"any2ring"}, Ratios: []float64{0.1},
			Trigger: &experiments.Trigger{Kind: experiments.TriggerPatch, Size: 0.25, Pattern: experiments.PatternOptimized, Steps: 20}}}
	c.Poison = clipmodel.TrainOptions{Epochs: 3, BatchSize: 64, LR: 2e-3, MinLR: 1e-4, WarmupSteps: 2, WeightDecay: 0.1, ClipNorm: 1}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Config: c, Out: dir}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	res, err := experiments.ReadResultsCSV(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(defense, dir, metric string) float64 {
		t.Helper()
		for _, x := range res {
			if x.Attack == experiments.AttackBackdoor && (x.Goal == "patch0.25:any2ring" || x.Goal == "") && x.Defense == defense && x.Direction == dir && x.Metric == metric {
				return x.Value
			}
		}
		t.Fatalf("no %s %s result for the backdoor behind %s", dir, metric, defense)
		return 0
	}
	asr, base := get("none", experiments.I2T, "asr_zeroshot"), get("none", experiments.I2T, "baseline_asr_zeroshot")
	hit, baseHit := get("none", experiments.I2T, "hit@10"), get("none", experiments.I2T, "baseline_hit@10")
	t.Logf("zero-shot ASR %.3f (clean %.3f), i2t hit@10 %.3f (clean %.3f)", asr, base, hit, baseHit)
	// The poisoned captions are templates, so the trigger shows first in
	// zero-shot classification; this small model does not carry it to the
	// shapes' own captions (the demo's does).
	if asr < base+0.2 {
		t.Errorf("backdoor: zero-shot ASR %.3f does not beat the clean model's %.3f", asr, base)
	}
	if removed := get("filter", experiments.T2I, "filter_removed"); removed <= 0 {
		t.Errorf("the filter removed %v pairs of the backdoored set", removed)
	}
	var man experiments.Manifest
	b, err := os.ReadFile(filepath.Join(dir, "jobs", "backdoor-patch0.25-any2ring-r0.1-both-none-s42.manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil || man.Trigger == nil || man.Trigger.Size != 0.25 || man.PoisonedImages == 0 {
		t.Errorf("manifest %s: trigger %+v, %d poisoned images (%v)", b, man.Trigger, man.PoisonedImages, err)
	}
	// The optimized patch was learned, drawn and recorded with its pixels.
	opt := "backdoor-patch0.25-optimized20x2-any2ring-r0.1-both-none-s42"
	if _, err := os.Stat(filepath.Join(dir, "plots", "trigger-"+opt+".png")); err != nil {
		t.Errorf("no picture of the optimized patch: %v", err)
	}
	var om experiments.Manifest
	if b, err := os.ReadFile(filepath.Join(dir, "jobs", opt+".manifest.json")); err != nil || json.Unmarshal(b, &om) != nil || om.Trigger == nil || len(om.Trigger.Pixels) != 8*8*3 {
		t.Errorf("optimized patch manifest (%v): trigger %+v, want 8x8 pixels (a quarter of 32 px)", err, om.Trigger)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "jobs", "*", "images.imgcache"))
	if len(left) > 0 {
		t.Errorf("job image caches left behind: %v", left)
	}
}

// A targeted job measures the clean model on the chosen image at epoch 0,
// then the poisoned one, with captions of B querying for it and zero-shot
// classification calling it a B.
func TestTargetedJobMeasuresBeforeAndAfter(t *testing.T) {
	dir := t.TempDir()
	c := shrunkenDemo(t, dir)
	c.Attacks = []AttackConfig{{Kind: experiments.AttackTargeted, Goals: []string{"circle2ring"}, Ratios: []float64{0.02}}}
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Config: c, Out: dir}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	res, err := experiments.ReadResultsCSV(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(epoch int, dir, metric string) float64 {
		t.Helper()
		for _, x := range res {
			if x.Attack == experiments.AttackTargeted && x.Epoch == epoch && x.Direction == dir && x.Metric == metric {
				return x.Value
			}
		}
		t.Fatalf("no %s %s result at epoch %d", dir, metric, epoch)
		return 0
	}
	last := c.Poison.Epochs
	before, after := get(0, experiments.T2I, "minrank_mean"), get(last, experiments.T2I, "minrank_mean")
	zs0, zs := get(0, experiments.I2T, "targeted_zeroshot"), get(last, experiments.I2T, "targeted_zeroshot")
	t.Logf("ring captions rank the circle image at %.1f before, %.1f after; zero-shot ring %v → %v", before, after, zs0, zs)
	// The poisoned captions are templates: zero-shot classification, which
	// prompts with the same templates, flips; this small model does not carry
	// it to the shapes' own ring captions.
	if zs0 != 0 || zs != 1 {
		t.Errorf("zero-shot calls the circle image a ring: %v before, %v after; want 0 then 1", zs0, zs)
	}
}
