package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallModel is a model config small enough for a test to train in seconds.
const smallModel = `{"name": "test", "embed_dim": 32,
 "vision_cfg": {"type": "vit", "image_size": 32, "patch_size": 8, "width": 32, "layers": [1], "heads": 2, "mlp_ratio": 2},
 "text_cfg": {"context_length": 16, "vocab_size": 0, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2}}`

// shrunkenDemo is the demo grid on a small shapes set with a small model.
func shrunkenDemo(t *testing.T, dir string) *Config {
	t.Helper()
	model := filepath.Join(dir, "model.json")
	if err := os.WriteFile(model, []byte(smallModel), 0o644); err != nil {
		t.Fatal(err)
	}
	c := DemoConfig()
	c.Data = "shapes:n=600,test=30,rare=circle,rare_n=20"
	c.Model = model
	c.Tokenizer = "learn:200"
	c.Clean = TrainSettings{Epochs: 8, BatchSize: 64, LR: 2e-3, MinLR: 1e-4, WarmupSteps: 10, WeightDecay: 0.1, ClipNorm: 1}
	c.Poison = TrainSettings{Epochs: 3, BatchSize: 64, LR: 1e-3, MinLR: 1e-4, WarmupSteps: 2, WeightDecay: 0.1, ClipNorm: 1}
	c.Ratios = []float64{1}
	c.Attacks = c.Attacks[1:2] // Attack II
	c.EvalEveryEpoch = true
	return c
}

func TestJobsExpandTheGrid(t *testing.T) {
	c := DemoConfig()
	jobs := c.Jobs()
	// I and III without defenses, II with none, filter and finetune.
	if len(jobs) != 5 {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name)
		}
		t.Fatalf("demo grid has %d jobs, want 5: %v", len(jobs), names)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.Name] {
			t.Errorf("duplicate job name %s", j.Name)
		}
		seen[j.Name] = true
	}
	if jobs[len(jobs)-1].Attack.Kind != "III" || jobs[len(jobs)-1].Ratio != 0.5 {
		t.Errorf("attack III should use its own ratio 0.5, got %+v", jobs[len(jobs)-1])
	}
}

func TestConfigErrorsNameTheProblem(t *testing.T) {
	cases := map[string]string{
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "IV", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [0.1]}`: "kind must be I, II or III",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [1.5]}`: "outside (0, 1]",
		`{"clean": {"epochs": 1}, "modalities": ["audio"]}`:                                                                 "modalities",
		`{"clean": {"epochs": 1}, "bogus": 1}`:                                                                              "unknown field",
		"{\"clean\": {\"epochs\": 1},\n \"ratios\": [0.1,]}":                                                                "line 2",
		`{"attacks": []}`: "clean.epochs",
	}
	for in, want := range cases {
		_, err := ParseConfig("x.json", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "x.json") {
			t.Errorf("config %s: error %v, want one naming x.json and containing %q", in, err, want)
		}
	}
}
