package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
)

// A checkpoint whose folder holds a Hugging Face tokenizer (vocab.json and
// merges.txt) is evaluated with it, no --tokenizer needed; a folder with no
// tokenizer gives an error that says what was looked for.
func TestEvalFindsHuggingFaceTokenizerBesideCheckpoint(t *testing.T) {
	cfg, err := clipmodel.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Text.VocabSize = 541 // text/testdata/tiny-hf
	m, err := clipmodel.New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	data := "csv:" + writeTinyDataset(t, true)
	bare := t.TempDir()
	ckpt := filepath.Join(bare, "model.safetensors")
	if err := clipmodel.SaveCheckpoint(ckpt, m, nil, clipmodel.TrainState{Seed: 3, Model: cfg}); err != nil {
		t.Fatal(err)
	}
	code, stderr := exitOf("eval", "--ckpt", ckpt, "--data", data, "--cache-dir", t.TempDir())
	if code == 0 || !strings.Contains(stderr, "vocab.json with merges.txt") {
		t.Errorf("no tokenizer: exit %d, stderr %q; want an error naming what was looked for", code, stderr)
	}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "text", "testdata", "tiny-hf", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, stderr := exitOf("eval", "--ckpt", ckpt, "--data", data, "--cache-dir", t.TempDir()); code != 0 {
		t.Fatalf("with vocab.json and merges.txt beside the checkpoint: exit %d: %s", code, stderr)
	}
}
