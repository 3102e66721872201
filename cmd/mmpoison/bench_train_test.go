package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
)

func TestBenchTrainJSONKeys(t *testing.T) {
	var out bytes.Buffer
	if err := runBench([]string{"train", "--arch", "vit", "--steps", "1", "--warmup", "0", "--batch", "2", "--threads", "1", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	for _, k := range []string{"arch", "precision", "threads", "pairs_per_s", "peak_rss_mb"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks key %q: %s", k, out.String())
		}
	}
	if got["arch"] != "vit" || got["precision"] != "fp32" || got["threads"] != 1.0 {
		t.Errorf("wrong fields: %s", out.String())
	}
}

func TestBenchTrainEmbedExitCodes(t *testing.T) {
	checkExits(t, []exitCase{
		{[]string{"bench", "train", "--help"}, 0},
		{[]string{"bench", "embed", "--help"}, 0},
		{[]string{"bench", "train"}, 2}, // --arch is required
		{[]string{"bench", "train", "--arch", "mlp"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--precision", "fp16"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--steps", "0"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--warmup", "-1"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--threads", "-1"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--batch", "1"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--steps", "x"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "extra"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--precision", "fp16"}, 2},
		{[]string{"bench", "embed", "--arch", "resnet", "--batch", "0"}, 2},
		{[]string{"bench", "embed", "--arch", "vit", "--steps", "-3"}, 2},
		{[]string{"bench", "embed", "--arch", "vit", "--batch", "2", "--steps", "1", "--warmup", "0"}, 0},
		{[]string{"bench", "train", "--arch", "vit", "--batch", "2", "--steps", "1", "--warmup", "0"}, 0},
		{[]string{"bench", "train", "--model", "tiny", "--batch", "2", "--steps", "1", "--warmup", "0"}, 0},
		{[]string{"bench", "train", "--arch", "vit", "--model", "tiny"}, 2},
		{[]string{"bench", "train", "--model", "no-such-model"}, 2},
		{[]string{"bench", "train", "--model", "tiny", "--image-size", "-1"}, 2},
		{[]string{"bench", "train", "--arch", "vit", "--image-size", "33"}, 2}, // not a multiple of the patch
		{[]string{"bench", "embed", "--model", "tiny", "--batch", "2", "--steps", "1", "--warmup", "0"}, 0},
	})
}

// --model times any preset, labelled by its name, at the size asked for.
func TestBenchTrainTakesAnyModel(t *testing.T) {
	var out bytes.Buffer
	if err := runBench([]string{"train", "--model", "tiny", "--image-size", "48", "--context", "20", "--steps", "1", "--warmup", "0", "--batch", "2", "--threads", "1", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Arch   string `json:"arch"`
		Params int    `json:"params"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	cfg, err := clipmodel.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if got.Arch != "tiny" {
		t.Errorf("arch %q, want the preset's name", got.Arch)
	}
	// The sizes change the positional embeddings, so the count tells whether they took.
	base := bytes.Buffer{}
	if err := runBench([]string{"train", "--model", "tiny", "--steps", "1", "--warmup", "0", "--batch", "2", "--threads", "1", "--json"}, &base); err != nil {
		t.Fatal(err)
	}
	var b struct {
		Params int `json:"params"`
	}
	json.Unmarshal(base.Bytes(), &b)
	if got.Params == b.Params {
		t.Errorf("--image-size 48 --context 20 left the parameter count at %d (tiny is %d px, context %d)", b.Params, cfg.Vision.ImageSize, cfg.Text.ContextLength)
	}
}

// --optimizer picks the peer's optimiser: the paper's (lr 1e-5, clipping)
// moves the weights less than the step peer's, so the last loss differs.
func TestBenchTrainOptimizer(t *testing.T) {
	run := func(extra ...string) (name string, last float64) {
		var out bytes.Buffer
		args := append([]string{"train", "--model", "tiny", "--steps", "2", "--warmup", "1", "--batch", "4", "--threads", "1", "--json"}, extra...)
		if err := runBench(args, &out); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Optimizer string  `json:"optimizer"`
			LossLast  float64 `json:"loss_last"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out.String())
		}
		return got.Optimizer, got.LossLast
	}
	defName, defLoss := run()
	paperName, paperLoss := run("--optimizer", "paper")
	if defName != "step" || paperName != "paper" {
		t.Errorf("optimizer names %q (default for tiny) and %q (--optimizer paper), want step and paper", defName, paperName)
	}
	if defLoss == paperLoss {
		t.Errorf("both optimisers ended at loss %v: --optimizer changed nothing", defLoss)
	}
	if err := runBench([]string{"train", "--model", "tiny", "--optimizer", "sgd"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "step or paper") {
		t.Errorf("--optimizer sgd: error %v, want one naming step or paper", err)
	}
}
