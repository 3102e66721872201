package runner

import (
	"github.com/mmpoison/mmpoison/experiments"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
)

// smallModel is a model config small enough for a test to train in seconds.
const smallModel = `{"name": "test", "embed_dim": 64,
 "vision_cfg": {"type": "vit", "image_size": 32, "patch_size": 8, "width": 64, "layers": [2], "heads": 4, "mlp_ratio": 2},
 "text_cfg": {"context_length": 16, "vocab_size": 0, "width": 64, "heads": 4, "layers": 1, "mlp_ratio": 2}}`

// shrunkenDemo is the demo grid on a small shapes set with a small model:
// Attack I, and Attack II behind the pre-training filter.
func shrunkenDemo(t *testing.T, dir string) *Config {
	t.Helper()
	model := filepath.Join(dir, "model.json")
	if err := os.WriteFile(model, []byte(smallModel), 0o644); err != nil {
		t.Fatal(err)
	}
	c := DemoConfig()
	c.Data = "shapes:classes=30,n=800,test=10,rare=circle,rare_n=20"
	c.Model = model
	c.Tokenizer = "learn:300"
	c.Clean = clipmodel.TrainOptions{Epochs: 8, BatchSize: 64, LR: 2e-3, MinLR: 1e-4, WarmupSteps: 10, WeightDecay: 0.1, ClipNorm: 1}
	c.Poison = clipmodel.TrainOptions{Epochs: 3, BatchSize: 64, LR: 1e-3, MinLR: 1e-4, WarmupSteps: 2, WeightDecay: 0.1, ClipNorm: 1}
	c.Attacks = []AttackConfig{
		{Kind: "I", Goals: []string{"circle2ring"}, Target: experiments.TargetSpec{Mode: experiments.TargetCentroid}},
		{Kind: "II", Goals: []string{"circle2ring"}, Defenses: []string{"filter"}},
	}
	c.Ratios = []float64{1}
	c.Defenses = []string{"none"}
	c.DefendAttacks = nil
	c.EvalEveryEpoch = false
	return c
}

func TestShrunkenDemoAttackBeatsBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small models; skipped in -short mode")
	}
	dir := t.TempDir()
	r := &Runner{Config: shrunkenDemo(t, dir), Out: dir}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	res, err := experiments.ReadResultsCSV(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(attack, defense, metric string) float64 {
		t.Helper()
		for _, x := range res {
			if x.Attack == attack && x.Defense == defense && x.Direction == experiments.T2I && x.Metric == metric {
				return x.Value
			}
		}
		t.Fatalf("no %s result for attack %s defense %s", metric, attack, defense)
		return 0
	}
	attack, baseline := get("I", "none", "hit@10"), get("I", "none", "baseline_hit@10")
	rank, baseRank := get("I", "none", "minrank_mean"), get("I", "none", "baseline_minrank_mean")
	t.Logf("Attack I hit@10 %.3f (baseline %.3f), MinRank %.2f (baseline %.2f)", attack, baseline, rank, baseRank)
	if attack < baseline+0.3 || rank > baseRank/4 {
		t.Errorf("Attack I (hit@10 %.3f, MinRank %.2f) does not beat the random-caption baseline (hit@10 %.3f, MinRank %.2f)", attack, rank, baseline, baseRank)
	}
	// The filter sees the clean model's view of every pair: the 100 poisoned
	// pairs of the rare class stand out, so it removes most of them.
	if recall := get("II", "filter", "filter_recall"); recall < 0.5 {
		t.Errorf("filter recall %.3f: the clean model should flag most poisoned pairs", recall)
	}
	for _, f := range []string{"config.json", "run.json", "results.json", "report.md", "jobs/clean.json", "tokenizer.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("output %s missing: %v", f, err)
		}
	}
	report, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(report), "circle2ring") || !strings.Contains(string(report), "## Defenses") {
		t.Errorf("report.md lacks the goal or the defenses table:\n%s", report)
	}

	// A second run finds every job done and changes nothing.
	before, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if string(before) != string(after) {
		t.Error("rerunning a finished grid changed results.csv")
	}
}

func TestJobsExpandTheGrid(t *testing.T) {
	c := DemoConfig()
	jobs := c.Jobs()
	// I, III and the backdoor without defenses, II with none, filter and finetune.
	if len(jobs) != 6 {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name)
		}
		t.Fatalf("demo grid has %d jobs, want 6: %v", len(jobs), names)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.Name] {
			t.Errorf("duplicate job name %s", j.Name)
		}
		seen[j.Name] = true
	}
	if iii := jobs[len(jobs)-2]; iii.Attack.Kind != "III" || len(iii.Attack.Goals) != 2 {
		t.Errorf("the fifth demo job should be attack III with two goals, got %+v", iii)
	}
	if last := jobs[len(jobs)-1]; last.Name != "backdoor-patch0.25-any2ring-r0.01-both-none-s42" {
		t.Errorf("the last demo job should be the patch backdoor, got %s", last.Name)
	}
}

func TestAttackSeedsOverrideTheGrids(t *testing.T) {
	c := Config{Seeds: []uint64{42}, Ratios: []float64{1}, Modalities: []string{"both"}, Defenses: []string{"none"}, Attacks: []AttackConfig{
		{Kind: "II", Goals: []string{"a2b"}},
		{Kind: "II", Goals: []string{"a2b"}, Modalities: []string{"image"}, Seeds: []uint64{42, 7, 1}},
		{Kind: "I", Goals: []string{"a2b"}, Seeds: []uint64{7}},
	}}
	var names []string
	for _, j := range c.Jobs() {
		names = append(names, j.Name)
	}
	want := []string{
		"II-a2b-r1-both-none-s42", "II-a2b-r1-image-none-s42",
		"II-a2b-r1-image-none-s7", "I-a2b-r1-both-none-s7",
		"II-a2b-r1-image-none-s1",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("jobs %v, want %v", names, want)
	}
}

func TestConfigErrorsNameTheProblem(t *testing.T) {
	cases := map[string]string{
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "IV", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [0.1]}`: "unknown attack kind \"IV\"",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [1.5]}`: "outside (0, 1]",
		`{"clean": {"epochs": 1}, "modalities": ["audio"]}`:                                                                 "modalities",
		`{"clean": {"epochs": 1}, "bogus": 1}`:                                                                              "unknown field",
		"{\"clean\": {\"epochs\": 1},\n \"ratios\": [0.1,]}":                                                                "line 2",
		`{"attacks": []}`: "clean.epochs",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["dog2dog"]}], "poison": {"epochs": 1}, "ratios": [1]}`:                                     "A2A",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a:a"]}], "poison": {"epochs": 1}, "ratios": [1]}`:                                         "A2A",
		`{"clean": {"epochs": 1}, "filter": {"percent": 150}}`:                                                                                                    "filter.percent",
		`{"clean": {"epochs": 1, "lr": -1}}`:                                                                                                                      "clean: lr",
		`{"clean": {"epochs": 1, "precision": "fp8"}}`:                                                                                                            "fp8",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1, "crop_scale": 2}, "ratios": [1]}`:                        "poison: crop scale",
		`{"clean": {"epochs": 1}, "attacks": [], "poison": {"epochs": 1}, "ratios": [1]}`:                                                                         "attacks is empty",
		`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [1]}`:                                                                                        "attacks is empty",
		`{"clean": {"epochs": 1, "batch_size": 0}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [1]}`:                        "clean.batch_size is 0",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 0}, "ratios": [1]}`:                                         "poison.epochs is 0",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}, {"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1}, "ratios": [1]}`:       "II-a2b-r1-both-none-s42 is listed twice",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "I", "goals": ["a2b"], "target": {"mode": "row", "row_id": -5}}], "poison": {"epochs": 1}, "ratios": [1]}`: "row_id",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "I", "goals": ["a2b"], "target": {"mode": "nearest"}}], "poison": {"epochs": 1}, "ratios": [1]}`:           "target mode \"nearest\"",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "I", "goals": ["a2b"], "target": {"mode": "path"}}], "poison": {"epochs": 1}, "ratios": [1]}`:              "needs a path",
		`{"clean": {"epochs": 1, "seed": 7}}`: "clean.seed",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "backdoor", "goals": ["any2b"]}], "poison": {"epochs": 1}, "ratios": [0.01]}`:                                                   "needs a trigger",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "backdoor", "goals": ["any2b"], "trigger": {"kind": "sticker"}}], "poison": {"epochs": 1}, "ratios": [0.01]}`:                   "trigger kind",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "backdoor", "goals": ["any2b"], "trigger": {"kind": "patch", "size": 3}}], "poison": {"epochs": 1}, "ratios": [0.01]}`:          "trigger size",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"], "trigger": {"kind": "patch"}}], "poison": {"epochs": 1}, "ratios": [1]}`:                                "takes no trigger",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "backdoor", "goals": ["any2b"], "trigger": {"kind": "patch"}, "templates": ["b"]}], "poison": {"epochs": 1}, "ratios": [0.01]}`: "templates",
		`{"clean": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["a2b"]}], "poison": {"epochs": 1, "freeze": "text"}, "ratios": [1]}`:                                            "poison.freeze",
	}
	for in, want := range cases {
		_, err := ParseConfig("x.json", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "x.json") {
			t.Errorf("config %s: error %v, want one naming x.json and containing %q", in, err, want)
		}
	}
}

func TestRunOnlyCleanTrainsNoJob(t *testing.T) {
	dir := t.TempDir()
	c := shrunkenDemo(t, dir)
	c.Data = "shapes:classes=10,n=100,test=5"
	c.Clean.Epochs, c.Clean.Captions, c.Clean.CropScale, c.Clean.Flip = 1, "one", 0.5, true
	c.Attacks[0].Goals = []string{"circle2square"}
	c.Attacks[1].Goals = []string{"circle2square"}
	r := &Runner{Config: c, Out: dir, Only: OnlyClean}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "jobs", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "clean.json" {
		t.Fatalf("jobs/ holds %v, want only clean.json", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "clean", "done")); err != nil {
		t.Errorf("the clean model was not finished: %v", err)
	}
	bad := &Runner{Config: c, Out: t.TempDir(), Only: "attacks"}
	if err := bad.Run("test"); err == nil || !strings.Contains(err.Error(), "only") {
		t.Errorf("Only \"attacks\" gave %v, want an error naming only", err)
	}
}

// A goal the data cannot serve fails before the clean model trains.
func TestRunChecksGoalsAgainstTheDataFirst(t *testing.T) {
	for goal, want := range map[string]string{"unicorn2square": "unknown class", "circle2bar": "unknown class"} {
		dir := t.TempDir()
		c := shrunkenDemo(t, dir)
		c.Data = "shapes:classes=10,n=100,test=5"
		c.Attacks = []AttackConfig{{Kind: "II", Goals: []string{goal}}}
		err := (&Runner{Config: c, Out: dir}).Run("test")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("goal %s: error %v, want %q", goal, err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "clean")); err == nil {
			t.Errorf("goal %s: the clean model started training before the goal was checked", goal)
		}
	}
}

func TestFilterModeNamesTheRule(t *testing.T) {
	for d, want := range map[string]string{"filter": "filter-percent", "filter-labelled": "filter-labelled", "filter-gamma": "filter-gamma",
		"filter-percent": "filter-percent", "finetune": "finetune", "none": "none"} {
		if def, err := experiments.ResolveDefense(d, "percent"); err != nil || def.Name != want {
			t.Errorf("ResolveDefense(%q) = %v, %v; want %q", d, def, err, want)
		}
	}
	for _, d := range []string{"filter-", "filter-median", "filterx", "prune"} {
		if _, err := experiments.ResolveDefense(d, "percent"); err == nil {
			t.Errorf("ResolveDefense(%q) took it for a defense", d)
		}
	}
	if def, _ := experiments.ResolveDefense("filter-percent", "percent"); def.Stage != experiments.BeforeTraining {
		t.Errorf("filter-percent acts at stage %v, want before training", def.Stage)
	}
	c, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [1],
		"attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["filter-percent", "filter-labelled"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if jobs := c.Jobs(); len(jobs) != 2 || jobs[0].Defense != "filter-percent" || jobs[1].Defense != "filter-labelled" {
		t.Errorf("jobs %+v, want one per filter rule", jobs)
	}
	if _, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [1],
		"attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["filter-median"]}]}`)); err == nil || !strings.Contains(err.Error(), "filter-median") {
		t.Errorf("an unknown filter rule: %v", err)
	}
}

// A stage's omitted fields take clipmodel.DefaultTrainOptions, the command
// line's defaults, while a 0 that means "off" stays 0.
func TestStageSettingsDefaultAsTheCommandLineDoes(t *testing.T) {
	c, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 3}, "attacks": [{"kind": "II", "goals": ["a2b"]}],
		"poison": {"epochs": 2, "weight_decay": 0, "clip_norm": 0, "warmup_steps": 0, "lr": 2e-4}, "ratios": [1]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := clipmodel.DefaultTrainOptions()
	want.Epochs = 3
	if !reflect.DeepEqual(c.Clean, want) {
		t.Errorf("clean stage %+v, want the defaults with 3 epochs %+v", c.Clean, want)
	}
	want.Epochs, want.WeightDecay, want.ClipNorm, want.WarmupSteps, want.LR = 2, 0, 0, 0, 2e-4
	if !reflect.DeepEqual(c.Poison, want) {
		t.Errorf("poison stage %+v, want %+v", c.Poison, want)
	}
}

// Clean fine-tuning trains with the CLIP loss alone; CleanCLIP adds its
// image-image and caption-caption (EDA) terms at weight 1 each.
func TestFinetuneDefensesTrainTheirObjectives(t *testing.T) {
	c, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 2, "lr": 3e-4}, "ratios": [1],
		"finetune": {"epochs": 4}, "attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["finetune", "cleanclip"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][3]float64{"finetune": {0, 0, 0}, "cleanclip": {1, 1, 1}} {
		d, err := experiments.LookupDefense(name)
		if err != nil {
			t.Fatal(err)
		}
		ft, err := finetuneOptions(c, d, 5)
		if err != nil {
			t.Fatal(err)
		}
		eda := 0.0
		if ft.CaptionAugment == clipmodel.CaptionEDA {
			eda = 1
		}
		if got := [3]float64{ft.ViewLoss, ft.CaptionLoss, eda}; got != want || ft.Epochs != 4 || ft.LR != 3e-4 || ft.Seed != 5 {
			t.Errorf("%s fine-tunes with view, caption, eda %v, epochs %d, lr %g, seed %d; want %v, 4, 3e-4, 5", name, got, ft.Epochs, ft.LR, ft.Seed, want)
		}
	}
}

// The training-time defenses run from a config: each job trains its poison
// stage under the defense and is measured like any other.
func TestTrainingDefensesRunFromConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("trains small models; skipped in -short mode")
	}
	dir := t.TempDir()
	c := shrunkenDemo(t, dir)
	c.Clean.Epochs, c.Poison.Epochs = 2, 2
	c.Attacks = []AttackConfig{{Kind: "II", Goals: []string{"circle2ring"}, Defenses: []string{"roclip", "safeclip"}}}
	c.TrainDefense = experiments.TrainingSettings{PoolSize: 32, PoolEvery: 2}
	var log strings.Builder
	r := &Runner{Config: c, Out: dir, Log: &log}
	if err := r.Run("test"); err != nil {
		t.Fatal(err)
	}
	res, err := experiments.ReadResultsCSV(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"roclip", "safeclip"} {
		found := false
		for _, x := range res {
			found = found || (x.Defense == d && x.Metric == experiments.HitMetric(10) && x.Epoch == 2)
		}
		if !found {
			t.Errorf("results.csv has no Hit@10 after epoch 2 for defense %s", d)
		}
	}
	leak := -1.0
	for _, x := range res {
		if x.Defense == "safeclip" && x.Metric == "safe_poisoned_share" && x.Epoch == 2 {
			leak = x.Value
		}
	}
	if !(leak >= 0 && leak <= 1) {
		t.Errorf("no share of poisoned pairs called safe in epoch 2 of the safeclip job (got %v)", leak)
	}
	if !strings.Contains(log.String(), "safe split: epoch 2 trains") {
		t.Errorf("the safeclip job's log does not show its split:\n%s", log.String())
	}
}

func TestTrainingDefensesCheckThePoisonStage(t *testing.T) {
	_, err := ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 2, "view_loss": 1}, "ratios": [1],
		"attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["safeclip"]}]}`))
	if err == nil || !strings.Contains(err.Error(), "safeclip") || !strings.Contains(err.Error(), "view_loss") {
		t.Errorf("safeclip over a poison stage with a view loss: %v", err)
	}
	_, err = ParseConfig("x.json", []byte(`{"clean": {"epochs": 1}, "poison": {"epochs": 1}, "ratios": [1],
		"attacks": [{"kind": "II", "goals": ["a2b"], "defenses": ["safeclip"]}]}`))
	if err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Errorf("safeclip's warm-up over a one-epoch poison stage: %v", err)
	}
}
