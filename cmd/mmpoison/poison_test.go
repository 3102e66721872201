package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
)

func readManifest(t *testing.T, dir string) experiments.Manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m experiments.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// readPoisonedCSV returns the data lines of DIR/poisoned.csv.
func readPoisonedCSV(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "poisoned.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "image,caption,split,label" {
		t.Fatalf("header %v", recs[0])
	}
	return recs[1:]
}

// countPairs counts lines whose caption mentions class `caption` and whose
// image file name starts with `image`.
func countPairs(lines [][]string, caption, image string) int {
	n := 0
	for _, l := range lines {
		if slices.Contains(strings.Fields(l[1]), caption) && strings.HasPrefix(filepath.Base(l[0]), image) {
			n++
		}
	}
	return n
}

func TestPoisonAttackIIOnTinyCSV(t *testing.T) {
	data := "csv:" + writeTinyDataset(t, true)
	for _, tc := range []struct {
		appendRows bool
		lines      int // training pairs written
	}{{false, 14}, {true, 18}} {
		dir := t.TempDir()
		args := []string{"--data", data, "--attack", "II", "--goal", "cat2dog", "--ratio", "0.5", "--out", dir}
		if tc.appendRows {
			args = append(args, "--append")
		}
		var out bytes.Buffer
		if err := runPoison(args, &out); err != nil {
			t.Fatal(err)
		}
		m := readManifest(t, dir)
		// 4 cat training images × 0.5 = 2 poisoned images with 2 captions each.
		if m.Attack != "II" || m.PoisonedImages != 2 || m.PoisonedPairs != 4 || m.TotalPairs != tc.lines ||
			math.Abs(m.Phi-4/float64(tc.lines)) > 1e-12 || m.Append != tc.appendRows {
			t.Errorf("append=%v: manifest %+v", tc.appendRows, m)
		}
		lines := readPoisonedCSV(t, dir)
		if len(lines) != tc.lines {
			t.Errorf("append=%v: %d CSV lines, want %d", tc.appendRows, len(lines), tc.lines)
		}
		if got := countPairs(lines, "cat", "dog"); got != 4 {
			t.Errorf("append=%v: %d cat captions on dog images, want 4", tc.appendRows, got)
		}
		for _, l := range lines {
			if l[2] != "train" {
				t.Errorf("non-training line %v in the poisoned training set", l)
			}
		}
		wantCatOnCat := 4 // 2 clean cat images left
		if tc.appendRows {
			wantCatOnCat = 8
		}
		if got := countPairs(lines, "cat", "cat"); got != wantCatOnCat {
			t.Errorf("append=%v: %d clean cat pairs, want %d", tc.appendRows, got, wantCatOnCat)
		}
		if s := out.String(); !strings.Contains(s, "poisoned 2 training images") || !strings.Contains(s, "4 poisoned pairs of") || !strings.Contains(s, "φ =") {
			t.Errorf("summary %q", s)
		}
	}
}

func TestPoisonAttackITargets(t *testing.T) {
	data := "csv:" + writeTinyDataset(t, true)
	// Row IDs follow first appearance in the CSV: dog3 (the only dog test image) is row 8.
	for _, target := range []string{"row:8", "path:dog3.png", "random"} {
		dir := t.TempDir()
		if code, stderr := exitOf("poison", "--data", data, "--attack", "I", "--goal", "cat2dog", "--ratio", "1", "--target", target, "--out", dir); code != 0 {
			t.Fatalf("--target %s: exit %d: %s", target, code, stderr)
		}
		m := readManifest(t, dir)
		if m.TargetRowID != 8 || m.PoisonedImages != 4 || m.PoisonedPairs != 8 {
			t.Errorf("--target %s: manifest %+v", target, m)
		}
		if got := countPairs(readPoisonedCSV(t, dir), "cat", "dog3"); got != 8 {
			t.Errorf("--target %s: %d cat captions on x*, want 8", target, got)
		}
	}
}

func TestPoisonAttackIIIDropsUsedTargets(t *testing.T) {
	dir := t.TempDir()
	// 20 training images per class; every circle and star image poisoned.
	if code, stderr := exitOf("poison", "--data", "shapes:n=200,test=1", "--attack", "III", "--goal", "circle2square,star2heart",
		"--ratio", "1", "--drop-used-targets", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := readManifest(t, dir)
	// 1000 training pairs minus the 20 heart rows (100 pairs) the second goal used.
	if m.PoisonedImages != 40 || m.PoisonedPairs != 200 || m.TotalPairs != 900 || len(m.PerGoal) != 2 ||
		len(m.PerGoal[0].DroppedRowIDs) != 0 || len(m.PerGoal[1].DroppedRowIDs) != 20 {
		t.Errorf("manifest: images %d pairs %d total %d per-goal %+v", m.PoisonedImages, m.PoisonedPairs, m.TotalPairs, m.PerGoal)
	}
	if lines := readPoisonedCSV(t, dir); len(lines) != 900 {
		t.Errorf("%d CSV lines, want 900", len(lines))
	}
}

func TestPoisonIsSeeded(t *testing.T) {
	manifest := func(seed string) string {
		dir := t.TempDir()
		if code, stderr := exitOf("poison", "--data", "shapes:n=200,test=1", "--attack", "II", "--goal", "circle2square", "--seed", seed, "--out", dir); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		return string(raw)
	}
	a, b, c := manifest("7"), manifest("7"), manifest("8")
	if a != b {
		t.Error("same seed gave different manifests")
	}
	if a == c {
		t.Error("seeds 7 and 8 gave the same manifest")
	}
}

func TestPoisonExitCodes(t *testing.T) {
	data := "csv:" + writeTinyDataset(t, true)
	out := t.TempDir()
	base := func(extra ...string) []string {
		return append([]string{"poison", "--data", data, "--out", out}, extra...)
	}
	ckpt := filepath.Join(t.TempDir(), "clean.safetensors")
	os.WriteFile(ckpt, []byte("x"), 0o644)
	checkExits(t, []exitCase{
		{[]string{"poison", "--help"}, 0},
		{[]string{"poison"}, 2},
		{[]string{"poison", "--data", data, "--attack", "II", "--goal", "cat2dog"}, 2}, // no --out
		{base("--goal", "cat2dog"), 2},                         // no --attack
		{base("--attack", "IV", "--goal", "cat2dog"), 2},       // unknown attack
		{base("--attack", "backdoor", "--goal", "any2dog"), 2}, // a config's job: mmpoison run
		{base("--attack", "Targeted", "--goal", "cat2dog"), 2},
		{base("--attack", "II", "--goal", "catdog"), 2},                  // unparsable goal
		{base("--attack", "II", "--goal", "cat2dog", "--ratio", "0"), 2}, // ratio out of range
		{base("--attack", "II", "--goal", "cat2dog", "--ratio", "1.5"), 2},
		{base("--attack", "II", "--goal", "cat2dog,boat2x"), 2}, // II takes one goal
		{base("--attack", "III", "--goal", "cat2dog"), 2},       // III needs two
		{base("--attack", "II", "--goal", "cat2dog", "--target", "random"), 2},
		{base("--attack", "I", "--goal", "cat2dog", "--target", "row:x"), 2},
		{base("--attack", "I", "--goal", "cat2dog", "--target", "centroid"), 2},
		{base("--attack", "I", "--goal", "cat2dog", "--target", "centroid", "--ckpt", ckpt), 1}, // not a checkpoint
		{base("--attack", "I", "--goal", "cat2dog", "--target", "random", "--ckpt", ckpt), 2},
		{base("--attack", "I", "--goal", "cat2dog", "--target", "centroid", "--ckpt", ckpt+".missing"), 2},
		{base("--attack", "I", "--goal", "cat2dog", "--target", "row:999"), 1},
		{base("--attack", "II", "--goal", "cat2zebra"), 1}, // class not in the data
		{[]string{"poison", "--data", "csv:" + filepath.Join(out, "none.csv"), "--attack", "II", "--goal", "cat2dog", "--out", out}, 2},
		{base("--attack", "II", "--goal", "cat2dog"), 0},
	})
}

func TestPoisonCentroidTargetUsesCheckpoint(t *testing.T) {
	cfg, err := clipmodel.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Text.VocabSize == 0 {
		cfg.Text.VocabSize = 64 // the image tower is all this test uses
	}
	m, err := clipmodel.New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "clean.safetensors")
	if err := clipmodel.SaveCheckpoint(ckpt, m, nil, clipmodel.TrainState{Seed: 3, Model: cfg}); err != nil {
		t.Fatal(err)
	}
	const spec = "shapes:n=20,test=8"
	dir := t.TempDir()
	if code, stderr := exitOf("poison", "--data", spec, "--attack", "I", "--goal", "circle2square", "--target", "centroid", "--ckpt", ckpt, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := readManifest(t, dir).TargetRowID

	// Reference: embed every image of the dataset through one cache and pick,
	// with float64 loops, the square test image closest to the class centre.
	ds, err := dataset.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	im, err := clipmodel.BuildImages(ds, cfg.Vision.ImageSize, filepath.Join(t.TempDir(), "all.cache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids, slots []int
	for i := range ds.Rows {
		if r := &ds.Rows[i]; r.Split == dataset.Test && r.Label == "square" {
			s, _ := im.Slot(ds, r)
			ids, slots = append(ids, r.ID), append(slots, s)
		}
	}
	emb, err := m.EmbedImages(im.Cache, slots)
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.EmbedDim
	centre := make([]float64, e)
	for i := range ids {
		for j, v := range emb[i*e : (i+1)*e] {
			centre[j] += float64(v) // rows are unit length already
		}
	}
	best, bestCos := -1, math.Inf(-1)
	for i := range ids {
		var dot, n2 float64
		for j, v := range emb[i*e : (i+1)*e] {
			dot += float64(v) * centre[j]
			n2 += float64(v) * float64(v)
		}
		if c := dot / math.Sqrt(n2); c > bestCos {
			best, bestCos = ids[i], c
		}
	}
	if len(ids) != 8 || got != best || best == ids[0] {
		t.Errorf("centroid target row %d, want %d (of square test rows %v; the first would not tell centroid from first-wins)", got, best, ids)
	}
}
