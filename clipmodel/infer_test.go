package clipmodel

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/nn"
)

func stateShapes(t *testing.T, cfg Config) map[string][]int {
	t.Helper()
	m, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string][]int{}
	for _, n := range nn.StateList(m) {
		shapes[n.Name] = n.Tensor.Shape
	}
	return shapes
}

// The config inferred from a model's state dict is the config it was built
// from, for OpenAI's two layouts at their real sizes and small ones.
func TestInferConfigFromShapes(t *testing.T) {
	small := func(name string) Config {
		c, err := LoadConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	vit := small("ViT-B-32")
	vit.Vision.Width, vit.Vision.Heads, vit.Vision.Layers, vit.Vision.ImageSize, vit.Vision.PatchSize = 128, 2, []int{2}, 48, 16
	vit.Text.Width, vit.Text.Heads, vit.Text.Layers, vit.Text.VocabSize, vit.Text.ContextLength, vit.EmbedDim = 128, 2, 3, 500, 20, 64
	rn := small("RN50")
	rn.Vision.Width, rn.Vision.Layers, rn.Vision.ImageSize = 16, []int{1, 2, 1, 1}, 64
	rn.Text.Width, rn.Text.Heads, rn.Text.Layers, rn.Text.VocabSize, rn.Text.ContextLength, rn.EmbedDim = 64, 1, 1, 300, 16, 32
	cases := map[string]Config{"small ViT": vit, "small RN": rn, "ViT-B-32": small("ViT-B-32"), "RN50": small("RN50")}
	for name, want := range cases {
		if testing.Short() && !strings.HasPrefix(name, "small") {
			continue
		}
		got, err := InferConfig(stateShapes(t, want), InferOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want.Name, want.Comment = "", ""
		if want.Vision.Act == "" && want.Vision.Type == "vit" {
			want.Vision.Act = "quick_gelu"
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: inferred\n%+v\nwant\n%+v", name, got, want)
		}
	}
}

func TestInferConfigNamesWhatIsMissing(t *testing.T) {
	shapes := stateShapes(t, func() Config { c, _ := LoadConfig("tiny"); c.Text.VocabSize = 100; return c }())
	delete(shapes, "ln_final.weight")
	if _, err := InferConfig(shapes, InferOptions{}); err == nil || !strings.Contains(err.Error(), "ln_final.weight") {
		t.Errorf("without ln_final: %v, want an error naming it", err)
	}
}

// The parity models' weights, written by PyTorch (make_parity.py), give
// back the configs they were built from: everything but the activations
// and head counts, which no shape carries.
func TestInferConfigOfPyTorchParityWeights(t *testing.T) {
	for _, tag := range []string{"rn", "vit"} {
		want, err := LoadConfig(filepath.Join("testdata", "parity_"+tag+".json"))
		if err != nil {
			t.Fatal(err)
		}
		info, err := DescribeWeights(filepath.Join("testdata", "parity_"+tag+".safetensors"),
			InferOptions{Act: want.Text.Act, VisionHeads: want.Vision.Heads, TextHeads: want.Text.Heads})
		if err != nil {
			t.Fatal(err)
		}
		got := info.Config
		got.Name, got.Comment, want.Name, want.Comment = "", "", "", ""
		got.Vision.Act = want.Vision.Act // the file names one activation for both towers
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: inferred\n%+v\nwant\n%+v", tag, got, want)
		}
	}
}

// An open_clip folder's open_clip_config.json gives what shapes cannot:
// heads (with open_clip's defaults) and the activation, GELU unless
// quick_gelu is set.
func TestDescribeOpenCLIPFolder(t *testing.T) {
	weights, err := os.ReadFile(filepath.Join("testdata", "parity_vit.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		config         string
		act            string
		vHeads, tHeads int
	}{
		"LAION-style":  {`{"model_cfg": {"embed_dim": 16, "vision_cfg": {"width": 16, "layers": 2, "head_width": 8}, "text_cfg": {"heads": 2}}}`, "gelu", 2, 2},
		"OpenAI-style": {`{"model_cfg": {"quick_gelu": true, "vision_cfg": {"width": 16, "layers": 2}, "text_cfg": {}}}`, "quick_gelu", 1, 8},
		"ResNet pool":  {`{"model_cfg": {"vision_cfg": {"width": 16, "layers": [1, 1, 1, 1], "head_width": 64}}}`, "gelu", 8, 8},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "open_clip_model.safetensors"), weights, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "open_clip_config.json"), []byte(c.config), 0o644); err != nil {
			t.Fatal(err)
		}
		_, opt, err := resolveWeights(dir, InferOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if opt.Act != c.act || opt.VisionHeads != c.vHeads || opt.TextHeads != c.tHeads {
			t.Errorf("%s: act %q heads %d/%d, want %q %d/%d", name, opt.Act, opt.VisionHeads, opt.TextHeads, c.act, c.vHeads, c.tHeads)
		}
		if name == "LAION-style" {
			info, err := DescribeWeights(dir, InferOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Config.Text.Act != "gelu" || info.Config.Vision.Heads != 2 || info.Config.Text.Heads != 2 {
				t.Errorf("described %+v, want GELU and 2 heads in each tower", info.Config)
			}
		}
	}
	dir := t.TempDir()
	for name, body := range map[string][]byte{"open_clip_model.safetensors": weights, "open_clip_config.json": []byte(`{"preprocess_cfg": {}}`)} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := DescribeWeights(dir, InferOptions{}); err == nil || !strings.Contains(err.Error(), "model_cfg") {
		t.Errorf("a config without model_cfg: %v", err)
	}
}
