package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/nn/safetensors"
	"github.com/mmpoison/mmpoison/text"
)

// embedFixture saves an untrained tiny model with a tokenizer learned from
// the fixture's captions beside it and returns the checkpoint path.
func embedFixture(t *testing.T, data string) (string, *clipmodel.Model, *text.Tokenizer) {
	t.Helper()
	ds, err := dataset.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	var captions []string
	for _, r := range ds.Rows {
		captions = append(captions, r.Captions...)
	}
	tok := text.TrainBPE(captions, 20)
	cfg, err := clipmodel.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Text.VocabSize = tok.VocabSize()
	m, err := clipmodel.New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "model.safetensors")
	if err := clipmodel.SaveCheckpoint(ckpt, m, nil, clipmodel.TrainState{Seed: 5, Model: cfg}); err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(filepath.Join(dir, "tokenizer.txt")); err != nil {
		t.Fatal(err)
	}
	return ckpt, m, tok
}

func TestEmbedWritesSplitEmbeddingsAndIndex(t *testing.T) {
	data := "csv:" + writeTinyDataset(t, true)
	ckpt, m, tok := embedFixture(t, data)
	out := filepath.Join(t.TempDir(), "emb.safetensors")
	if code, stderr := exitOf("embed", "--ckpt", ckpt, "--data", data, "--cache-dir", t.TempDir(), "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ts, meta, err := safetensors.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	byName := safetensors.ByName(ts)
	img, txt := byName["image"], byName["text"]
	e := m.Config.EmbedDim
	// The fixture's test split: cat5, dog3, boat2 with two captions each.
	if len(img.Shape) != 2 || img.Shape[0] != 3 || img.Shape[1] != e || len(txt.Shape) != 2 || txt.Shape[0] != 6 || txt.Shape[1] != e {
		t.Fatalf("shapes image %v text %v, want [3 %d] and [6 %d]", img.Shape, txt.Shape, e, e)
	}
	var capRows []int
	var labels, images []string
	for key, dst := range map[string]any{"caption_rows": &capRows, "labels": &labels, "images": &images} {
		if err := json.Unmarshal([]byte(meta[key]), dst); err != nil {
			t.Fatalf("metadata %s = %q: %v", key, meta[key], err)
		}
	}
	if want := []int{0, 0, 1, 1, 2, 2}; !equalInts(capRows, want) {
		t.Errorf("caption_rows %v, want %v", capRows, want)
	}
	if labels[0] != "cat" || labels[1] != "dog" || labels[2] != "boat" || images[1] != "dog3.png" || meta["split"] != "test" {
		t.Errorf("labels %v images %v split %q, want cat/dog/boat, dog3.png second, test", labels, images, meta["split"])
	}

	// Reference: the same model embeds the test images and captions directly.
	ds, _ := dataset.Load(data)
	im, err := clipmodel.BuildImages(ds, m.Config.Vision.ImageSize, filepath.Join(t.TempDir(), "ref.cache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	var slots []int
	var captions []string
	for i := range ds.Rows {
		if r := &ds.Rows[i]; r.Split == dataset.Test {
			s, _ := im.Slot(ds, r)
			slots, captions = append(slots, s), append(captions, r.Captions...)
		}
	}
	wantImg, err := m.EmbedImages(im.Cache, slots)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "image", img.Data, wantImg)
	closeTo(t, "text", txt.Data, m.EmbedTexts(tok, captions))
}

func closeTo(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEmbedExitCodes(t *testing.T) {
	data := "csv:" + writeTinyDataset(t, true)
	ckpt, _, _ := embedFixture(t, data)
	out := filepath.Join(t.TempDir(), "emb.safetensors")
	checkExits(t, []exitCase{
		{[]string{"embed", "--help"}, 0},
		{[]string{"embed", "--data", data, "--out", out}, 2},   // no --ckpt
		{[]string{"embed", "--ckpt", ckpt, "--data", data}, 2}, // no --out
		{[]string{"embed", "--ckpt", ckpt + ".missing", "--data", data, "--out", out}, 2},
		{[]string{"embed", "--ckpt", ckpt, "--data", data, "--split", "nosuch", "--cache-dir", t.TempDir(), "--out", out}, 1},
		{[]string{"embed", "--ckpt", ckpt, "--data", data, "--cache-dir", t.TempDir(), "--out", filepath.Join(t.TempDir(), "no", "dir", "e.safetensors")}, 2},
	})
}
