package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// inspect tells a bare state dict (config inferred) from an mmpoison
// checkpoint (config recorded), and the flags may follow the file.
func TestWeightsInspect(t *testing.T) {
	cfg, m := tinyWeights(t, 1)
	dir := t.TempDir()
	bare := filepath.Join(dir, "bare.safetensors")
	var ts []safetensors.Tensor
	for _, n := range nn.StateList(m) {
		ts = append(ts, safetensors.Tensor{Name: n.Name, Shape: n.Tensor.Shape, Data: n.Tensor.Data})
	}
	if err := safetensors.Write(bare, ts, nil); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "ckpt.safetensors")
	if err := clipmodel.SaveCheckpoint(ckpt, m, nil, clipmodel.TrainState{Step: 7, Model: cfg}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runWeights([]string{"inspect", bare, "--act", "gelu", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var info clipmodel.WeightsInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !info.Inferred || info.Config.Text.VocabSize != 300 || info.Config.Vision.Type != "vit" || info.DTypes["F32"] != info.Tensors {
		t.Errorf("bare state dict: %+v", info)
	}
	out.Reset()
	if err := runWeights([]string{"inspect", ckpt}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "mmpoison checkpoint at step 7") || !strings.Contains(s, "recorded in the checkpoint") {
		t.Errorf("checkpoint:\n%s", s)
	}
	checkExits(t, []exitCase{
		{[]string{"weights"}, 2},
		{[]string{"weights", "inspect"}, 2},
		{[]string{"weights", "inspect", bare, "--act", "relu"}, 2},
		{[]string{"weights", "inspect", filepath.Join(dir, "absent.safetensors")}, 2},
		{[]string{"weights", "inspect", "--help"}, 0},
	})
}

// convert writes a checkpoint's model under transformers' names and back,
// bit for bit.
func TestWeightsConvertRoundTrip(t *testing.T) {
	cfg, m := tinyWeights(t, 2)
	dir := t.TempDir()
	ckpt, hf, back := filepath.Join(dir, "ckpt.safetensors"), filepath.Join(dir, "hf.safetensors"), filepath.Join(dir, "back.safetensors")
	if err := clipmodel.SaveCheckpoint(ckpt, m, nil, clipmodel.TrainState{Model: cfg}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runWeights([]string{"convert", ckpt, hf, "--names", "hf"}, &out); err != nil {
		t.Fatal(err)
	}
	if err := runWeights([]string{"convert", hf, back}, &out); err != nil {
		t.Fatal(err)
	}
	hfTensors, _, err := safetensors.Read(hf)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range hfTensors {
		names = append(names, x.Name)
	}
	if !clipmodel.IsHFLayout(names) || slices.Contains(names, "visual.proj") {
		t.Errorf("--names hf wrote %v", names)
	}
	got, err := clipmodel.ReadStateDict(back)
	if err != nil {
		t.Fatal(err)
	}
	want := nn.StateDict(m)
	if len(got) != len(want) {
		t.Fatalf("%d tensors back, want %d", len(got), len(want))
	}
	for name, x := range want {
		y := got[name]
		if y == nil || !slices.Equal(x.Data, y.Data) {
			t.Fatalf("%s differs after the round trip", name)
		}
	}
	checkExits(t, []exitCase{
		{[]string{"weights", "convert", ckpt}, 2},
		{[]string{"weights", "convert", ckpt, back, "--names", "timm"}, 2},
	})
}

// tinyWeights is the tiny preset with a 300-token vocabulary, initialised from seed.
func tinyWeights(t *testing.T, seed uint64) (clipmodel.Config, *clipmodel.Model) {
	t.Helper()
	cfg, err := clipmodel.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Text.VocabSize = 300
	m, err := clipmodel.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, m
}

// OpenAI's TorchScript layout, inspected and converted in pure Go: the
// float16 weights come out as F32 safetensors that load into the model the
// inspected config describes.
func TestWeightsFromTorchScript(t *testing.T) {
	pt := filepath.Join("..", "..", "clipmodel", "testdata", "parity_rn_jit.pt")
	var out bytes.Buffer
	if err := runWeights([]string{"inspect", pt, "--text-heads", "2", "--vision-heads", "2", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var info clipmodel.WeightsInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if info.Format != "TorchScript archive (torch.jit.save)" || info.DTypes["F16"] == 0 || info.Config.Vision.Type != "modified_resnet" {
		t.Fatalf("inspect: %+v", info)
	}
	st := filepath.Join(t.TempDir(), "rn.safetensors")
	if err := runWeights([]string{"convert", pt, st}, &out); err != nil {
		t.Fatal(err)
	}
	m, err := clipmodel.New(info.Config, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := clipmodel.LoadWeights(m, st, true); err != nil {
		t.Fatalf("the converted weights do not load into the inspected config: %v", err)
	}
}
