package clipmodel

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// A model written with transformers' CLIPModel names (the q/k/v split, the
// transposed projections, transformers' layer names) and read back gives the
// same weights bit for bit, and a folder of it with config.json infers the
// model's config, heads included.
func TestHuggingFaceNamesRoundTrip(t *testing.T) {
	cfg, err := LoadConfig("ViT-B-32")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vision.Width, cfg.Vision.Heads, cfg.Vision.Layers, cfg.Vision.ImageSize, cfg.Vision.PatchSize = 96, 3, []int{2}, 32, 16
	cfg.Text.Width, cfg.Text.Heads, cfg.Text.Layers, cfg.Text.VocabSize, cfg.Text.ContextLength, cfg.EmbedDim = 64, 2, 2, 200, 12, 48
	m, err := New(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	hf, err := ToHFNames(nn.StateDict(m))
	if err != nil {
		t.Fatal(err)
	}
	for name, shape := range map[string][]int{
		"vision_model.pre_layrnorm.weight":                      {96},
		"text_model.encoder.layers.1.self_attn.q_proj.weight":   {64, 64},
		"vision_model.encoder.layers.0.self_attn.v_proj.bias":   {96},
		"visual_projection.weight":                              {48, 96},
		"text_projection.weight":                                {48, 64},
		"text_model.embeddings.position_embedding.weight":       {12, 64},
		"vision_model.embeddings.patch_embedding.weight":        {96, 3, 16, 16},
		"text_model.encoder.layers.0.mlp.fc1.weight":            {256, 64},
		"vision_model.encoder.layers.1.layer_norm2.bias":        {96},
		"text_model.final_layer_norm.weight":                    {64},
		"vision_model.embeddings.class_embedding":               {96},
		"vision_model.post_layernorm.bias":                      {96},
		"text_model.encoder.layers.1.self_attn.out_proj.weight": {64, 64},
		"vision_model.encoder.layers.1.self_attn.k_proj.weight": {96, 96},
		"text_model.embeddings.token_embedding.weight":          {200, 64},
		"vision_model.embeddings.position_embedding.weight":     {5, 96},
		"logit_scale": {},
		"vision_model.encoder.layers.0.mlp.fc2.weight":          {96, 384},
		"text_model.encoder.layers.0.layer_norm1.weight":        {64},
		"vision_model.encoder.layers.0.self_attn.out_proj.bias": {96},
		"text_model.encoder.layers.0.self_attn.k_proj.bias":     {64},
		"text_model.encoder.layers.0.mlp.fc2.bias":              {64},
		"vision_model.encoder.layers.0.mlp.fc1.bias":            {384},
		"vision_model.encoder.layers.0.layer_norm1.bias":        {96},
	} {
		got, ok := hf[name]
		if !ok {
			t.Errorf("no %s among the Hugging Face names", name)
		} else if !reflect.DeepEqual(got.Shape, shape) && !(len(shape) == 0 && len(got.Shape) == 0) {
			t.Errorf("%s has shape %v, want %v", name, got.Shape, shape)
		}
	}

	dir := t.TempDir()
	var ts []safetensors.Tensor
	for _, n := range sortedNames(hf) {
		ts = append(ts, safetensors.Tensor{Name: n, Shape: hf[n].Shape, Data: hf[n].Data})
	}
	ts = append(ts, safetensors.Tensor{Name: "text_model.embeddings.position_ids", Shape: []int{1, 12}, Data: make([]float32, 12)})
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	config := `{"text_config": {"num_attention_heads": 2, "hidden_act": "quick_gelu"}, "vision_config": {"num_attention_heads": 3, "hidden_act": "quick_gelu"}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := DescribeWeights(dir, InferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := cfg
	want.Name, want.Comment = "", ""
	if !reflect.DeepEqual(info.Config, want) {
		t.Errorf("inferred from the folder\n%+v\nwant\n%+v", info.Config, want)
	}
	back, err := New(info.Config, 9) // other seed: every weight must come from the file
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadWeightsFile(back, dir); err != nil {
		t.Fatal(err)
	}
	a, b := nn.StateDict(m), nn.StateDict(back)
	for name, x := range a {
		y := b[name]
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
				t.Fatalf("%s[%d]: %v written, %v read back", name, i, x.Data[i], y.Data[i])
			}
		}
	}
	if _, err := FromHFNames(map[string]*autograd.Tensor{"vision_model.encoder.layers.0.self_attn.q_proj.weight": autograd.Zeros(4, 4)}); err == nil {
		t.Error("a q projection without its k and v was accepted")
	}
}

// A folder laid out as transformers saves CLIPModel, written by
// make_hf_folder.py from the PyTorch parity model with its own renaming,
// infers the parity config (each tower's activation included) and gives
// PyTorch's embeddings.
func TestHuggingFaceFolderMatchesPyTorch(t *testing.T) {
	dir := filepath.Join("testdata", "parity_vit_hf")
	info, err := DescribeWeights(dir, InferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, io := loadParity(t, "vit")
	want := ref.Config
	want.Name, want.Comment = "", ""
	if !reflect.DeepEqual(info.Config, want) {
		t.Fatalf("inferred from the folder\n%+v\nwant the parity config\n%+v", info.Config, want)
	}
	m, err := New(info.Config, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadWeightsFile(m, dir); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	ids, eot := parityTokens(t, io["ids"])
	g := autograd.NewTape()
	g.SetNoGrad(true)
	img := io["images"]
	expectClose(t, "Hugging Face image embeddings", m.EncodeImages(g, autograd.New(img.Data, img.Shape...)), io["image_embeds"])
	expectClose(t, "Hugging Face text embeddings", m.EncodeTexts(g, ids, eot), io["text_embeds"])
}
