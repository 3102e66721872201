package main

import (
	"bytes"
	"encoding/json"
	"testing"
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
	})
}
