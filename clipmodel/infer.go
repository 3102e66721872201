package clipmodel

import (
	"cmp"
	"encoding/json"
	"fmt"
	"github.com/mmpoison/mmpoison/nn/torchfile"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mmpoison/mmpoison/nn/safetensors"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// InferOptions are what a state dict's shapes cannot tell.
type InferOptions struct {
	// Act is both towers' activation; "" means quick_gelu, OpenAI's.
	// VisionAct, when set, is the image tower's instead (a Hugging Face
	// config names each tower's).
	Act, VisionAct string
	// VisionHeads and TextHeads override OpenAI's rule: width/64 for the
	// Transformers, width·32/64 for the ResNet's attention pool.
	VisionHeads, TextHeads int
}

// InferConfig reads a model config from the tensor shapes of a state dict
// with OpenAI CLIP's names, as OpenAI's build_model does: the image tower is
// a ViT when visual.proj is present and a modified ResNet otherwise; widths,
// depths, patch, resolution, context, vocabulary and embedding size follow
// from the shapes, heads from the widths.
func InferConfig(shapes map[string][]int, opt InferOptions) (Config, error) {
	dim := func(name string, axis int) (int, error) {
		s, ok := shapes[name]
		if !ok || axis >= len(s) {
			return 0, fmt.Errorf("infer config: no tensor %s (with axis %d): not a CLIP state dict with OpenAI's names", name, axis)
		}
		return s[axis], nil
	}
	act := opt.Act
	if act == "" {
		act = "quick_gelu"
	}
	var c Config
	var err error
	must := func(v int, e error) int {
		if err == nil {
			err = e
		}
		return v
	}

	textWidth := must(dim("ln_final.weight", 0))
	c.EmbedDim = must(dim("text_projection", 1))
	c.Text = text.Config{
		ContextLength: must(dim("positional_embedding", 0)),
		VocabSize:     must(dim("token_embedding.weight", 0)),
		Width:         textWidth,
		Heads:         orDefault(opt.TextHeads, textWidth/64),
		Layers:        countBlocks(shapes, "transformer.resblocks."),
		MLPRatio:      mlpRatio(shapes, "transformer.resblocks.0.mlp.c_fc.weight", textWidth),
		Act:           act,
	}
	if _, vit := shapes["visual.proj"]; vit {
		width := must(dim("visual.conv1.weight", 0))
		patch := must(dim("visual.conv1.weight", 3))
		grid, e := squareSide(must(dim("visual.positional_embedding", 0)) - 1)
		if err == nil {
			err = e
		}
		c.Vision = vision.Config{
			Type: "vit", ImageSize: patch * grid, Width: width, PatchSize: patch,
			Layers:    []int{countBlocks(shapes, "visual.transformer.resblocks.")},
			Heads:     orDefault(opt.VisionHeads, width/64),
			MLPRatio:  mlpRatio(shapes, "visual.transformer.resblocks.0.mlp.c_fc.weight", width),
			Act:       cmp.Or(opt.VisionAct, act),
			PatchBias: shapes["visual.conv1.bias"] != nil,
			NoLNPre:   shapes["visual.ln_pre.weight"] == nil,
		}
	} else if _, ok := shapes["visual.attnpool.positional_embedding"]; !ok {
		return Config{}, fmt.Errorf("infer config: the image tower is neither OpenAI's ViT (visual.proj) nor its modified ResNet (visual.attnpool.*); name the model config (--model)")
	} else {
		side, e := squareSide(must(dim("visual.attnpool.positional_embedding", 0)) - 1)
		if err == nil {
			err = e
		}
		layers := make([]int, 4)
		for b := range layers {
			layers[b] = countBlocks(shapes, "visual.layer"+strconv.Itoa(b+1)+".")
		}
		c.Vision = vision.Config{Type: "modified_resnet", ImageSize: 32 * side, Width: must(dim("visual.layer1.0.conv1.weight", 0)),
			Layers: layers, Heads: opt.VisionHeads}
	}
	if err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// countBlocks counts the distinct block indices i of keys prefix+"i.…".
func countBlocks(shapes map[string][]int, prefix string) int {
	seen := map[string]bool{}
	for name := range shapes {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if i, _, ok := strings.Cut(rest, "."); ok {
				seen[i] = true
			}
		}
	}
	return len(seen)
}

// mlpRatio is the hidden width of the first block's MLP over the model
// width, 0 (the default of 4) when it is 4 or the tensor is absent.
func mlpRatio(shapes map[string][]int, name string, width int) float64 {
	s := shapes[name]
	if len(s) == 0 || width == 0 || s[0] == 4*width {
		return 0
	}
	return float64(s[0]) / float64(width)
}

func squareSide(n int) (int, error) {
	side := int(math.Round(math.Sqrt(float64(n))))
	if side < 1 || side*side != n {
		return 0, fmt.Errorf("infer config: %d positional embeddings after the class token are not a square grid", n)
	}
	return side, nil
}

func orDefault(v, d int) int {
	if v != 0 {
		return v
	}
	return d
}

// WeightsInfo describes a weights file: what `mmpoison weights inspect`
// prints.
type WeightsInfo struct {
	Path    string         `json:"path"`
	Format  string         `json:"format"` // "mmpoison checkpoint" or "safetensors state dict"
	Tensors int            `json:"tensors"`
	Params  int64          `json:"params"` // elements of the model's tensors
	DTypes  map[string]int `json:"dtypes"` // stored dtype → tensor count
	Step    int            `json:"step,omitempty"`
	// Config is the checkpoint's own for an mmpoison checkpoint, else
	// inferred from the shapes (Inferred).
	Config   Config `json:"config"`
	Inferred bool   `json:"inferred"`
}

// DescribeWeights reads a safetensors file's header (not its data) and says
// what it holds.
//
// path may also be a Hugging Face CLIPModel folder (model.safetensors,
// with config.json giving the heads and activation) or an open_clip folder
// (open_clip_model.safetensors, with open_clip_config.json giving them).
func DescribeWeights(path string, opt InferOptions) (*WeightsInfo, error) {
	path, opt, err := resolveWeights(path, opt)
	if err != nil {
		return nil, err
	}
	entries, meta, format, err := describeTensors(path)
	if err != nil {
		return nil, err
	}
	info := &WeightsInfo{Path: path, Format: format, DTypes: map[string]int{}}
	shapes := map[string][]int{}
	for _, e := range entries {
		name := e.Name
		if _, ok := meta[metaKey]; ok {
			var isModel bool
			if name, isModel = strings.CutPrefix(name, modelPrefix); !isModel {
				continue // optimiser state
			}
		}
		info.Tensors++
		info.DTypes[e.DType]++
		n := int64(1)
		for _, d := range e.Shape {
			n *= int64(d)
		}
		info.Params += n
		shapes[name] = e.Shape
	}
	if raw, ok := meta[metaKey]; ok {
		var st TrainState
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return nil, fmt.Errorf("checkpoint %s: bad metadata: %w", path, err)
		}
		info.Format, info.Step, info.Config = "mmpoison checkpoint", st.Step, st.Model
		return info, nil
	}
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	if IsHFLayout(names) {
		info.Format += ", Hugging Face names"
		if shapes, err = FromHFShapes(shapes); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	for n := range shapes {
		if isIgnoredKey(n) {
			delete(shapes, n)
		}
	}
	if info.Config, err = InferConfig(shapes, opt); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	info.Inferred = true
	return info, nil
}

// resolveWeights finds the weights file of a folder and, for a Hugging Face
// folder, fills opt's unset heads and activation from its config.json.
func resolveWeights(path string, opt InferOptions) (string, InferOptions, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return path, opt, err
	}
	dir := path
	for _, name := range []string{"model.safetensors", "open_clip_model.safetensors", "open_clip_pytorch_model.bin", "pytorch_model.bin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			path = filepath.Join(dir, name)
			break
		}
	}
	if path == dir {
		return "", opt, fmt.Errorf("%s: a folder without model.safetensors or pytorch_model.bin (Hugging Face), or open_clip_model.safetensors or open_clip_pytorch_model.bin (open_clip)", dir)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "open_clip_config.json")); err == nil {
		opt, err = openCLIPOptions(b, opt)
		if err != nil {
			return "", opt, fmt.Errorf("%s: %w", filepath.Join(dir, "open_clip_config.json"), err)
		}
		return path, opt, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return path, opt, nil // no config: OpenAI's rules
	}
	var hf struct {
		Text   hfTowerConfig `json:"text_config"`
		Vision hfTowerConfig `json:"vision_config"`
	}
	if err := json.Unmarshal(b, &hf); err != nil {
		return "", opt, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	opt.TextHeads = orDefault(opt.TextHeads, hf.Text.Heads)
	opt.VisionHeads = orDefault(opt.VisionHeads, hf.Vision.Heads)
	if opt.Act == "" {
		opt.Act, opt.VisionAct = hf.Text.Act, cmp.Or(opt.VisionAct, hf.Vision.Act)
	}
	return path, opt, nil
}

// openCLIPOptions fills opt's unset heads and activation from an open_clip
// folder's open_clip_config.json, with open_clip's defaults: text heads 8,
// image heads width/head_width (width·32/head_width for a ResNet's attention
// pool) with head_width 64, and GELU unless quick_gelu is set. LAION's
// models use plain GELU, so OpenAI's rule (QuickGELU) would misread them.
func openCLIPOptions(b []byte, opt InferOptions) (InferOptions, error) {
	var file struct {
		Model *struct {
			QuickGELU bool `json:"quick_gelu"`
			Text      struct {
				Heads int `json:"heads"`
			} `json:"text_cfg"`
			Vision struct {
				Width     int             `json:"width"`
				HeadWidth int             `json:"head_width"`
				Layers    json.RawMessage `json:"layers"` // a number for a ViT, four for a ResNet
			} `json:"vision_cfg"`
		} `json:"model_cfg"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return opt, err
	}
	m := file.Model
	if m == nil {
		return opt, fmt.Errorf("no model_cfg: not an open_clip config")
	}
	headWidth := orDefault(m.Vision.HeadWidth, 64)
	heads := m.Vision.Width / headWidth
	if strings.HasPrefix(strings.TrimSpace(string(m.Vision.Layers)), "[") {
		heads = m.Vision.Width * 32 / headWidth
	}
	opt.VisionHeads = orDefault(opt.VisionHeads, max(1, heads))
	opt.TextHeads = orDefault(opt.TextHeads, orDefault(m.Text.Heads, 8))
	if opt.Act == "" {
		opt.Act = "gelu"
		if m.QuickGELU {
			opt.Act = "quick_gelu"
		}
	}
	return opt, nil
}

// hfTowerConfig is the part of a transformers CLIP tower config that shapes
// cannot tell.
type hfTowerConfig struct {
	Heads int    `json:"num_attention_heads"`
	Act   string `json:"hidden_act"`
}

// describeTensors lists a weights file's tensors without their data, and
// names its format.
func describeTensors(path string) ([]safetensors.Entry, map[string]string, string, error) {
	if !torchfile.IsTorchFile(path) {
		entries, meta, err := safetensors.Describe(path)
		return entries, meta, "safetensors state dict", err
	}
	ts, format, err := torchfile.Describe(path)
	if err != nil {
		return nil, nil, "", err
	}
	entries := make([]safetensors.Entry, len(ts))
	for i, t := range ts {
		entries[i] = safetensors.Entry{Name: t.Name, DType: t.DType, Shape: t.Shape}
	}
	return entries, nil, format, nil
}
