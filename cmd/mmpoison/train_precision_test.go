package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
)

func TestTrainPrecisionFlag(t *testing.T) {
	work := t.TempDir()
	modelPath := filepath.Join(work, "small.json")
	if err := os.WriteFile(modelPath, []byte(killTestModel), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "run")
	base := []string{"train", "--data", "shapes:n=64,test=2", "--model", modelPath, "--epochs", "1", "--batch", "32",
		"--threads", "1", "--cache-dir", filepath.Join(work, "cache"), "--out", out}
	checkExits(t, []exitCase{
		{append(base, "--precision", "fp16"), 2},
		{append(base, "--precision", "bf16"), 0},
	})
	st, _, _, err := clipmodel.ReadCheckpoint(filepath.Join(out, clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Options.Precision != "bf16" {
		t.Errorf("checkpoint records precision %q, want bf16", st.Options.Precision)
	}
}

func TestTrainRejectsBadOptionsUpFront(t *testing.T) {
	work := t.TempDir()
	base := []string{"train", "--data", "shapes:n=64,test=2", "--threads", "1", "--cache-dir", filepath.Join(work, "cache"), "--out", filepath.Join(work, "run")}
	var cases []exitCase
	for _, bad := range [][]string{
		{"--epochs", "0"}, {"--epochs", "-1"}, {"--batch", "0"}, {"--batch", "1"}, {"--lr", "-1"},
		{"--crop-scale", "0"}, {"--crop-scale", "1.5"}, {"--jitter", "1"}, {"--captions", "two"},
		{"--eval-split", "test", "--eval-every", "0"},
	} {
		cases = append(cases, exitCase{append(append([]string{}, base...), bad...), 2})
	}
	checkExits(t, cases)
	if _, err := os.Stat(filepath.Join(work, "run")); err == nil {
		t.Error("a rejected command created its output folder")
	}
}

// The reproduction: at lr 1e6 the tiny model's weights grow huge
// while the loss stays at ln 128; training must fail instead of saving it.
func TestTrainDivergedModelIsRefused(t *testing.T) {
	work := t.TempDir()
	code, stderr := exitOf("train", "--data", "shapes:classes=10,n=60,test=10", "--epochs", "2", "--lr", "1e6", "--threads", "1",
		"--cache-dir", filepath.Join(work, "cache"), "--out", filepath.Join(work, "nan"))
	if code != 1 || !strings.Contains(stderr, "not finite") {
		t.Fatalf("exit %d, stderr %q: want exit 1 naming non-finite embeddings", code, stderr)
	}
}

func TestNoCommandIsAUsageError(t *testing.T) {
	if code, stderr := exitOf(); code != 2 || !strings.Contains(stderr, "train") {
		t.Errorf("mmpoison with no arguments: exit %d, stderr %q; want 2 and the command list", code, stderr)
	}
	if code, _ := exitOf("help"); code != 0 {
		t.Errorf("mmpoison help: exit %d, want 0", code)
	}
}

func TestTrainRefusesAnExistingRunWithoutResume(t *testing.T) {
	work := t.TempDir()
	out := filepath.Join(work, "run")
	base := []string{"train", "--data", "shapes:n=64,test=2", "--model", "tiny", "--epochs", "1", "--batch", "32",
		"--threads", "1", "--cache-dir", filepath.Join(work, "cache"), "--out", out}
	checkExits(t, []exitCase{{base, 0}})
	metrics, err := os.ReadFile(filepath.Join(out, clipmodel.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	checkExits(t, []exitCase{{base, 2}})
	if again, _ := os.ReadFile(filepath.Join(out, clipmodel.MetricsFile)); string(again) != string(metrics) {
		t.Error("the refused run changed metrics.jsonl")
	}
	checkExits(t, []exitCase{{append(base, "--resume"), 0}, {append(base, "--force"), 0}})
}

func TestHelpPrintsUsageOnce(t *testing.T) {
	lines := [][]string{{"data", "inspect"}, {"data", "convert"}, {"bench", "gemm"}, {"bench", "train"}}
	for name := range commands {
		lines = append(lines, []string{name})
	}
	stdout := os.Stdout // usage goes to the process's stdout
	defer func() { os.Stdout = stdout }()
	for _, l := range lines {
		f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout = f
		var out, errs bytes.Buffer
		code := run(append(append([]string{}, l...), "--help"), &out, &errs)
		os.Stdout = stdout
		f.Close()
		printed, _ := os.ReadFile(f.Name())
		if n := strings.Count(string(printed)+out.String()+errs.String(), "Usage:"); code != 0 || n != 1 {
			t.Errorf("mmpoison %s --help: exit %d, %d usage blocks; want 0 and one", strings.Join(l, " "), code, n)
		}
	}
}

// The training flags' defaults are clipmodel.DefaultTrainOptions, the same
// defaults an experiment config's stage takes for the fields it leaves out.
func TestTrainFlagDefaultsAreTheLibrarys(t *testing.T) {
	var tf trainFlags
	fs := newFlags("train", "")
	tf.register(fs, 10)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	want := clipmodel.DefaultTrainOptions()
	want.Epochs, want.Seed = 10, 42
	want.Beta1, want.Beta2, want.Eps = 0, 0, 0 // not flags: Train fills them
	if !reflect.DeepEqual(tf.opt, want) {
		t.Errorf("flag defaults %+v\nwant %+v", tf.opt, want)
	}
}

// Without --model, train takes the config of its --init weights: recorded
// in a checkpoint, or inferred from a bare state dict's shapes.
func TestTrainTakesTheConfigOfItsInitWeights(t *testing.T) {
	work := t.TempDir()
	common := []string{"--data", "shapes:n=64,test=2", "--tokenizer", "learn:100", "--epochs", "1", "--batch", "32",
		"--threads", "1", "--cache-dir", filepath.Join(work, "cache")}
	first := filepath.Join(work, "first")
	checkExits(t, []exitCase{{append([]string{"train", "--model", "tiny", "--out", first}, common...), 0}})
	ckpt := filepath.Join(first, clipmodel.CheckpointFile)
	second := filepath.Join(work, "second")
	checkExits(t, []exitCase{{append([]string{"train", "--init", ckpt, "--out", second}, common...), 0}})
	st, _, _, err := clipmodel.ReadCheckpoint(filepath.Join(second, clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	tiny, _ := clipmodel.LoadConfig("tiny")
	if st.Model.Vision.Width != tiny.Vision.Width || st.Model.Text.Layers != tiny.Text.Layers {
		t.Errorf("second run's model %+v, want tiny's dimensions", st.Model)
	}
	checkExits(t, []exitCase{{append([]string{"train", "--init", filepath.Join(work, "nothing.safetensors"), "--out", filepath.Join(work, "x")}, common...), 2}})
}
