package runner

import (
	"github.com/mmpoison/mmpoison/experiments"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// The demo must poison at most 1% of the training pairs in every job, and
// each goal of the paper's attacks poisons its whole class A, as the paper
// does; the backdoor stamps a share of all images.
func TestDemoPoisonsAtMostOnePercent(t *testing.T) {
	c := DemoConfig()
	ds, err := dataset.Load(c.Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range c.Jobs() {
		goals := make([]experiments.Goal, len(j.Attack.Goals))
		for i, s := range j.Attack.Goals {
			if goals[i], err = experiments.ParseGoal(s); err != nil {
				t.Fatal(err)
			}
		}
		var target *dataset.Row
		if j.Attack.Kind == "I" {
			if target, err = experiments.ChooseTarget(ds, goals[0].To, experiments.TargetSpec{Mode: experiments.TargetRandom, Seed: j.Seed}, nil); err != nil {
				t.Fatal(err)
			}
		}
		spec := experiments.AttackSpec{Kind: j.Attack.Kind, Goals: goals, Ratio: j.Ratio, Seed: j.Seed}
		if j.Attack.attack().NeedsImages {
			spec.Trigger = *j.Attack.Trigger
			spec.Image = func(r *dataset.Row) (*rgb.Image, error) { return r.Pixels, nil }
		}
		_, man, err := experiments.Poison(ds, spec, target)
		if err != nil {
			t.Fatalf("job %s: %v", j.Name, err)
		}
		if man.Phi > 0.01+1e-12 {
			t.Errorf("job %s poisons %.3f%% of the pairs, more than 1%%", j.Name, 100*man.Phi)
		}
		if j.Ratio != 1 && !j.Attack.attack().NeedsImages {
			t.Errorf("job %s poisons a fraction %v of class A; the demo poisons whole classes", j.Name, j.Ratio)
		}
	}
}
