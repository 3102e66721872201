package clipmodel

import (
	"fmt"
	"github.com/mmpoison/mmpoison/nn/torchfile"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// Hugging Face transformers' CLIPModel names its tensors differently from
// OpenAI: per-tower prefixes, q/k/v as three projections, and the final
// projections as Linear weights (transposed). These tables are that
// renaming; OpenAI's names are this package's own.
var hfTopLevel = map[string]string{
	"text_model.embeddings.token_embedding.weight":      "token_embedding.weight",
	"text_model.embeddings.position_embedding.weight":   "positional_embedding",
	"text_model.final_layer_norm.weight":                "ln_final.weight",
	"text_model.final_layer_norm.bias":                  "ln_final.bias",
	"text_projection.weight":                            "text_projection", // transposed
	"vision_model.embeddings.class_embedding":           "visual.class_embedding",
	"vision_model.embeddings.patch_embedding.weight":    "visual.conv1.weight",
	"vision_model.embeddings.position_embedding.weight": "visual.positional_embedding",
	"vision_model.pre_layrnorm.weight":                  "visual.ln_pre.weight", // sic: transformers' spelling
	"vision_model.pre_layrnorm.bias":                    "visual.ln_pre.bias",
	"vision_model.post_layernorm.weight":                "visual.ln_post.weight",
	"vision_model.post_layernorm.bias":                  "visual.ln_post.bias",
	"visual_projection.weight":                          "visual.proj", // transposed
	"logit_scale":                                       "logit_scale",
}

// hfBlock maps the parts of one Transformer block, q/k/v aside.
var hfBlock = map[string]string{
	"self_attn.out_proj.weight": "attn.out_proj.weight",
	"self_attn.out_proj.bias":   "attn.out_proj.bias",
	"layer_norm1.weight":        "ln_1.weight",
	"layer_norm1.bias":          "ln_1.bias",
	"layer_norm2.weight":        "ln_2.weight",
	"layer_norm2.bias":          "ln_2.bias",
	"mlp.fc1.weight":            "mlp.c_fc.weight",
	"mlp.fc1.bias":              "mlp.c_fc.bias",
	"mlp.fc2.weight":            "mlp.c_proj.weight",
	"mlp.fc2.bias":              "mlp.c_proj.bias",
}

var hfTowers = [][2]string{{"text_model.encoder.layers.", "transformer.resblocks."}, {"vision_model.encoder.layers.", "visual.transformer.resblocks."}}

// transposed are the OpenAI names stored as Linear weights by transformers.
var transposed = map[string]bool{"text_projection": true, "visual.proj": true}

// IsHFLayout reports whether a state dict uses transformers' CLIP names.
func IsHFLayout(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, "text_model.") || strings.HasPrefix(n, "vision_model.") {
			return true
		}
	}
	return false
}

// hfRename is the OpenAI name of a transformers tensor; part is 0, 1 or 2
// for a q, k or v projection that goes into the stacked in_proj tensor to,
// and -1 otherwise. skip marks buffers with no counterpart (position_ids).
func hfRename(name string) (to string, part int, skip bool, err error) {
	if strings.HasSuffix(name, "position_ids") {
		return "", -1, true, nil
	}
	if to, ok := hfTopLevel[name]; ok {
		return to, -1, false, nil
	}
	for _, tw := range hfTowers {
		rest, ok := strings.CutPrefix(name, tw[0])
		if !ok {
			continue
		}
		idx, tail, ok := strings.Cut(rest, ".")
		if !ok {
			break
		}
		block := tw[1] + idx + "."
		if to, ok := hfBlock[tail]; ok {
			return block + to, -1, false, nil
		}
		for i, p := range []string{"q", "k", "v"} {
			for _, kind := range []string{"weight", "bias"} {
				if tail == "self_attn."+p+"_proj."+kind {
					return block + "attn.in_proj_" + kind, i, false, nil
				}
			}
		}
	}
	return "", -1, false, fmt.Errorf("hugging face weights: unknown tensor %q (not a transformers CLIPModel with a ViT image tower?)", name)
}

// FromHFNames renames a transformers CLIPModel state dict to OpenAI's names:
// q/k/v projections are stacked into in_proj_weight and in_proj_bias, the
// final projections are transposed, and position_ids buffers are dropped.
// A name it does not know is an error naming it.
func FromHFNames(src map[string]*autograd.Tensor) (map[string]*autograd.Tensor, error) {
	out := map[string]*autograd.Tensor{}
	qkv := map[string]*[3]*autograd.Tensor{}
	for _, name := range sortedNames(src) {
		t := src[name]
		to, part, skip, err := hfRename(name)
		switch {
		case err != nil:
			return nil, err
		case skip:
		case part >= 0:
			if qkv[to] == nil {
				qkv[to] = &[3]*autograd.Tensor{}
			}
			qkv[to][part] = t
		case transposed[to]:
			out[to] = transpose2D(t)
		default:
			out[to] = t
		}
	}
	for to, parts := range qkv {
		var data []float32
		for i, p := range parts {
			if p == nil {
				return nil, fmt.Errorf("hugging face weights: %s lacks its %c projection", to, "qkv"[i])
			}
			data = append(data, p.Data...)
		}
		out[to] = autograd.New(data, append([]int{3 * parts[0].Shape[0]}, parts[0].Shape[1:]...)...)
	}
	return out, nil
}

// FromHFShapes is FromHFNames on shapes alone, for inferring a config
// without reading the data.
func FromHFShapes(src map[string][]int) (map[string][]int, error) {
	out := map[string][]int{}
	for name, shape := range src {
		to, part, skip, err := hfRename(name)
		switch {
		case err != nil:
			return nil, err
		case skip:
		case part >= 0:
			out[to] = append([]int{3 * shape[0]}, shape[1:]...)
		case transposed[to] && len(shape) == 2:
			out[to] = []int{shape[1], shape[0]}
		default:
			out[to] = shape
		}
	}
	return out, nil
}

// ToHFNames is FromHFNames' inverse: OpenAI names to transformers' CLIPModel
// names, for a ViT image tower.
func ToHFNames(src map[string]*autograd.Tensor) (map[string]*autograd.Tensor, error) {
	back := map[string]string{}
	for hf, oa := range hfTopLevel {
		back[oa] = hf
	}
	out := map[string]*autograd.Tensor{}
	for _, name := range sortedNames(src) {
		t := src[name]
		if hf, ok := back[name]; ok {
			if transposed[name] {
				t = transpose2D(t)
			}
			out[hf] = t
			continue
		}
		done := false
		for _, tw := range hfTowers {
			rest, ok := strings.CutPrefix(name, tw[1])
			if !ok {
				continue
			}
			idx, part, _ := strings.Cut(rest, ".")
			block := tw[0] + idx + "."
			for hf, oa := range hfBlock {
				if part == oa {
					out[block+hf], done = t, true
				}
			}
			if kind, ok := strings.CutPrefix(part, "attn.in_proj_"); ok {
				n := t.Shape[0] / 3
				per := len(t.Data) / 3
				for i, p := range []string{"q", "k", "v"} {
					out[block+"self_attn."+p+"_proj."+kind] = autograd.New(append([]float32(nil), t.Data[i*per:(i+1)*per]...), append([]int{n}, t.Shape[1:]...)...)
				}
				done = true
			}
		}
		if !done && !strings.HasSuffix(name, ".num_batches_tracked") {
			return nil, fmt.Errorf("hugging face names: no counterpart for %q (transformers' CLIPModel has a ViT image tower only)", name)
		}
	}
	return out, nil
}

func transpose2D(t *autograd.Tensor) *autograd.Tensor {
	r, c := t.Shape[0], t.Shape[1]
	out := make([]float32, len(t.Data))
	for i := range r {
		for j := range c {
			out[j*r+i] = t.Data[i*c+j]
		}
	}
	return autograd.New(out, c, r)
}

func sortedNames(m map[string]*autograd.Tensor) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ReadStateDict reads the model tensors of a weights file or folder (see
// DescribeWeights) under OpenAI's names: an mmpoison checkpoint's model
// part, a state dict with OpenAI's names, or one with transformers' names
// (renamed). Configuration entries and attention masks are left out.
func ReadStateDict(path string) (map[string]*autograd.Tensor, error) {
	path, _, err := resolveWeights(path, InferOptions{})
	if err != nil {
		return nil, err
	}
	tensors, meta, err := readTensors(path)
	if err != nil {
		return nil, err
	}
	_, checkpoint := meta[metaKey]
	out := map[string]*autograd.Tensor{}
	var names []string
	for _, t := range tensors {
		name := t.Name
		if checkpoint {
			var ok bool
			if name, ok = strings.CutPrefix(name, modelPrefix); !ok {
				continue
			}
		}
		if isIgnoredKey(name) {
			continue
		}
		out[name] = autograd.New(t.Data, t.Shape...)
		names = append(names, name)
	}
	if IsHFLayout(names) {
		if out, err = FromHFNames(out); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}

// readTensors reads a safetensors file or, in pure Go, a PyTorch one
// (torch.save's state dicts, torch.jit.save's TorchScript archives).
func readTensors(path string) ([]safetensors.Tensor, map[string]string, error) {
	if !torchfile.IsTorchFile(path) {
		return safetensors.Read(path)
	}
	ts, _, err := torchfile.Read(path)
	if err != nil {
		return nil, nil, err
	}
	out := make([]safetensors.Tensor, len(ts))
	for i, t := range ts {
		out[i] = safetensors.Tensor{Name: t.Name, Shape: t.Shape, Data: t.Data}
	}
	return out, nil, nil
}
