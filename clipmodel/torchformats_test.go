package clipmodel

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// The models of make_parity.py as PyTorch writes them
// (testdata/make_torch_formats.py), read in pure Go: a torch.save state
// dict holds the very weights of parity_T.safetensors, and a TorchScript
// archive with float16 weights gives the embeddings PyTorch computes from
// those weights.
func TestPyTorchFilesMatchPyTorch(t *testing.T) {
	for _, tag := range []string{"rn", "vit"} {
		t.Run(tag, func(t *testing.T) {
			want, err := ReadStateDict(filepath.Join("testdata", "parity_"+tag+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadStateDict(filepath.Join("testdata", "parity_"+tag+"_state.pt"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("state dict: %d tensors, safetensors %d", len(got), len(want))
			}
			for name, w := range want {
				g, ok := got[name]
				if !ok {
					t.Errorf("state dict lacks %s", name)
					continue
				}
				if !autograd.SameShape(g.Shape, w.Shape) {
					t.Errorf("%s: shape %v, want %v", name, g.Shape, w.Shape)
					continue
				}
				for i := range w.Data {
					if g.Data[i] != w.Data[i] {
						t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
						break
					}
				}
			}

			m, io := loadParity(t, tag)
			if err := LoadWeights(m, filepath.Join("testdata", "parity_"+tag+"_jit.pt"), true); err != nil {
				t.Fatal(err)
			}
			nn.SetTraining(m, false)
			f16, _, err := safetensors.Read(filepath.Join("testdata", "parity_"+tag+"_f16_io.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			out := safetensors.ByName(f16)
			img := io["images"]
			ids, eot := parityTokens(t, io["ids"])
			g := autograd.NewTape()
			g.SetNoGrad(true)
			imgEmb := m.EncodeImages(g, autograd.New(img.Data, img.Shape...))
			txtEmb := m.EncodeTexts(g, ids, eot)
			expectClose(t, "TorchScript image embeddings", imgEmb, out["image_embeds"])
			expectClose(t, "TorchScript text embeddings", txtEmb, out["text_embeds"])
			// and float16 rounding moved them: the comparison above is not
			// the float32 model's in disguise
			moved := 0.0
			for i, v := range io["image_embeds"].Data {
				moved = math.Max(moved, math.Abs(float64(v-imgEmb.Data[i])))
			}
			t.Logf("float16 rounding moved the image embeddings by up to %.3g", moved)
			if moved < parityTol {
				t.Errorf("float16 weights left the image embeddings within %g of the float32 model's", moved)
			}
		})
	}
}

// weights inspect names the format and infers the config from the shapes.
func TestDescribePyTorchFiles(t *testing.T) {
	for _, c := range []struct{ file, format, dtype string }{
		{"parity_vit_jit.pt", "TorchScript archive (torch.jit.save)", "F16"},
		{"parity_vit_state.pt", "PyTorch state dict (torch.save)", "F32"},
	} {
		info, err := DescribeWeights(filepath.Join("testdata", c.file), InferOptions{TextHeads: 2, VisionHeads: 2})
		if err != nil {
			t.Fatal(err)
		}
		want, err := LoadConfig(filepath.Join("testdata", "parity_vit.json"))
		if err != nil {
			t.Fatal(err)
		}
		if info.Format != c.format || info.DTypes[c.dtype] == 0 || !info.Inferred {
			t.Errorf("%s: format %q, dtypes %v, inferred %v; want %q with %s tensors", c.file, info.Format, info.DTypes, info.Inferred, c.format, c.dtype)
		}
		if info.Config.EmbedDim != want.EmbedDim || info.Config.Vision.Width != want.Vision.Width ||
			info.Config.Vision.PatchSize != want.Vision.PatchSize || info.Config.Text.Layers != want.Text.Layers ||
			info.Config.Text.ContextLength != want.Text.ContextLength || info.Config.Text.VocabSize != want.Text.VocabSize {
			t.Errorf("%s: inferred %+v, want %+v", c.file, info.Config, want)
		}
	}
}
