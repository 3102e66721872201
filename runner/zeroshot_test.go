package runner

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/experiments"
)

func TestZeroShotTemplatesValidated(t *testing.T) {
	_, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "zero_shot": true, "zero_shot_templates": ["a photo"]}`))
	if err == nil || !strings.Contains(err.Error(), "zero_shot_templates") {
		t.Fatalf("template without {} gave %v", err)
	}
	c, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "zero_shot": true, "zero_shot_templates": ["a {} photo"],
		"attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [1]}`))
	if err != nil || !c.ZeroShot {
		t.Fatalf("good zero-shot config: %v", err)
	}
}

// The runner records zeroshot_acc for the clean model of a labelled dataset.
func TestRunnerRecordsZeroShot(t *testing.T) {
	dir := t.TempDir()
	c := shrunkenDemo(t, dir)
	c.Data = "shapes:n=300,test=10"
	c.Clean.Epochs = 2
	c.Attacks, c.Defenses = nil, []string{experiments.DefenseNone}
	c.ZeroShot = true
	r := &Runner{Config: c, Out: filepath.Join(dir, "run")}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	res, err := experiments.ReadResultsCSV(filepath.Join(dir, "run", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range res {
		if x.Metric == experiments.MetricZeroShotAcc {
			found = true
			if x.Job != "clean" || x.Direction != experiments.I2T || x.Value < 0 || x.Value > 1 {
				t.Errorf("zero-shot result %+v: want job clean, direction i2t, value in [0, 1]", x)
			}
		}
	}
	if !found {
		t.Fatal("no zeroshot_acc in results.csv")
	}
}

// Per-attack modalities and defenses replace the grid's for that attack only.
func TestAttackOverridesModalitiesAndDefenses(t *testing.T) {
	c, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [0.1, 1],
	 "attacks": [{"kind": "II", "goals": ["a2b"]},
	             {"kind": "II", "goals": ["a2b"], "ratios": [0.1], "modalities": ["image", "text"]},
	             {"kind": "II", "goals": ["a2b"], "ratios": [0.1], "defenses": ["filter"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range c.Jobs() {
		names = append(names, j.Name)
	}
	want := "II-a2b-r0.1-both-none-s42 II-a2b-r1-both-none-s42 II-a2b-r0.1-image-none-s42 II-a2b-r0.1-text-none-s42 II-a2b-r0.1-both-filter-s42"
	if strings.Join(names, " ") != want {
		t.Fatalf("jobs %v, want %s", names, want)
	}
	if _, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [1],
	 "attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["prune"]}]}`)); err == nil || !strings.Contains(err.Error(), "prune") {
		t.Fatalf("unknown per-attack defense gave %v", err)
	}
}
