package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
)

// `train` with every setting given and `run --only clean` with the same
// settings in a config train the same clean model, bit for bit, so a model
// from either can stand as a grid's clean model. The train run also
// measures after each epoch, which must not disturb the weights.
func TestTrainAndRunOnlyCleanGiveTheSameModel(t *testing.T) {
	dir := t.TempDir()
	data := "shapes:classes=10,n=60,test=5"
	flags := []string{"--data", data, "--model", "tiny", "--tokenizer", "learn:100", "--epochs", "2", "--batch", "32",
		"--lr", "2e-3", "--min-lr", "1e-5", "--warmup", "5", "--wd", "0.1", "--clip", "1", "--seed", "9",
		"--captions", "one", "--crop-scale", "0.5", "--flip", "--jitter", "0.2", "--view-loss", "1", "--caption-loss", "0.5", "--precision", "fp32"}
	trainDir := filepath.Join(dir, "train")
	if code, stderr := exitOf(append([]string{"train", "--out", trainDir, "--eval-split", "test", "--cache-dir", filepath.Join(dir, "cache")}, flags...)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	cfg := filepath.Join(dir, "grid.json")
	grid := fmt.Sprintf(`{"name": "same", "data": %q, "model": "tiny", "tokenizer": "learn:100", "seeds": [9],
		"clean": {"epochs": 2, "batch_size": 32, "lr": 2e-3, "min_lr": 1e-5, "warmup_steps": 5, "weight_decay": 0.1, "clip_norm": 1,
		          "captions": "one", "crop_scale": 0.5, "flip": true, "jitter": 0.2, "view_loss": 1, "caption_loss": 0.5, "precision": "fp32"},
		"poison": {"epochs": 1}, "attacks": [{"kind": "II", "goals": ["circle2square"]}], "ratios": [1]}`, data)
	if err := os.WriteFile(cfg, []byte(grid), 0o644); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(dir, "run")
	if code, stderr := exitOf("run", "--config", cfg, "--out", runDir, "--only", "clean"); code != 0 {
		t.Fatalf("run --only clean: exit %d: %s", code, stderr)
	}
	_, a, _, err := clipmodel.ReadCheckpoint(filepath.Join(trainDir, clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	_, b, _, err := clipmodel.ReadCheckpoint(filepath.Join(runDir, "clean", clipmodel.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d tensors from train, %d from run", len(a), len(b))
	}
	for name, x := range a {
		y := b[name]
		if y == nil || len(y.Data) != len(x.Data) {
			t.Fatalf("tensor %s differs in presence or size", name)
		}
		for i := range x.Data {
			if x.Data[i] != y.Data[i] {
				t.Fatalf("%s[%d]: train %v, run --only clean %v", name, i, x.Data[i], y.Data[i])
			}
		}
	}
}
