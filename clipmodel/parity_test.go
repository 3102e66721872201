package clipmodel

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// parityTol is the largest absolute difference allowed between our outputs
// and PyTorch's (float32 both, different summation orders).
const parityTol = 1e-4

// loadParity builds the golden model of testdata/make_parity.py for tag
// (rn or vit) in eval mode, and returns it with its inputs and outputs.
func loadParity(t *testing.T, tag string) (*Model, map[string]safetensors.Tensor) {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join("testdata", "parity_"+tag+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, 99) // random init, overwritten below
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadWeights(m, filepath.Join("testdata", "parity_"+tag+".safetensors"), true); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	io, _, err := safetensors.Read(filepath.Join("testdata", "parity_"+tag+"_io.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return m, safetensors.ByName(io)
}

// parityTokens turns the golden ids [B, ctx] (stored as floats) into our
// flat ids and EOT positions (the argmax of each row, as OpenAI's encode_text).
func parityTokens(t *testing.T, ids safetensors.Tensor) (flat, eot []int) {
	t.Helper()
	b, ctx := ids.Shape[0], ids.Shape[1]
	flat = make([]int, b*ctx)
	eot = make([]int, b)
	for r := 0; r < b; r++ {
		for c := 0; c < ctx; c++ {
			v := ids.Data[r*ctx+c]
			flat[r*ctx+c] = int(v)
			if v > ids.Data[r*ctx+eot[r]] {
				eot[r] = c
			}
		}
	}
	return flat, eot
}

func expectClose(t *testing.T, what string, got *autograd.Tensor, want safetensors.Tensor) {
	t.Helper()
	if !autograd.SameShape(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, PyTorch %v", what, got.Shape, want.Shape)
	}
	worst, at := 0.0, 0
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	t.Logf("%s: max |ours-PyTorch| = %.3g", what, worst)
	if worst > parityTol || math.IsNaN(worst) {
		t.Errorf("%s: |ours-PyTorch| = %.3g at %d (ours %v, PyTorch %v), tolerance %g",
			what, worst, at, got.Data[at], want.Data[at], parityTol)
	}
}

func TestParityWithPyTorch(t *testing.T) {
	for _, tag := range []string{"rn", "vit"} {
		t.Run(tag, func(t *testing.T) {
			m, io := loadParity(t, tag)
			img := io["images"]
			images := autograd.New(img.Data, img.Shape...)
			ids, eot := parityTokens(t, io["ids"])
			requireInputDependent(t, io["image_features"])
			requireInputDependent(t, io["text_features"])
			g := autograd.NewTape()
			g.SetNoGrad(true)

			expectClose(t, "image features", m.Visual.Forward(g, images), io["image_features"])
			expectClose(t, "text features", m.Text.Forward(g, ids, eot), io["text_features"])
			imgEmb := m.EncodeImages(g, images)
			txtEmb := m.EncodeTexts(g, ids, eot)
			expectClose(t, "image embeddings", imgEmb, io["image_embeds"])
			expectClose(t, "text embeddings", txtEmb, io["text_embeds"])
			expectClose(t, "InfoNCE loss", InfoNCE(g, imgEmb, txtEmb, m.LogitScale), io["loss"])
			expectClose(t, "InfoNCE loss via Loss", m.Loss(g, images, ids, eot), io["loss"])
		})
	}
}

// requireInputDependent fails when the golden rows [2, E] are nearly equal:
// a tower whose output ignores its input would make parity meaningless.
func requireInputDependent(t *testing.T, x safetensors.Tensor) {
	t.Helper()
	e := x.Shape[1]
	diff := 0.0
	for j := 0; j < e; j++ {
		diff = math.Max(diff, math.Abs(float64(x.Data[j]-x.Data[e+j])))
	}
	if diff < 0.05 {
		t.Fatalf("golden %s rows differ by at most %g: regenerate with a livelier model", x.Name, diff)
	}
}

// The golden outputs must depend on the eval-mode BatchNorm statistics:
// in training mode (batch statistics) the ResNet's features must differ.
func TestParityNeedsRunningStats(t *testing.T) {
	m, io := loadParity(t, "rn")
	nn.SetTraining(m, true)
	img := io["images"]
	g := autograd.NewTape()
	g.SetNoGrad(true)
	got := m.Visual.Forward(g, autograd.New(img.Data, img.Shape...))
	want := io["image_features"]
	worst := 0.0
	for i := range want.Data {
		worst = math.Max(worst, math.Abs(float64(got.Data[i]-want.Data[i])))
	}
	if worst < 100*parityTol {
		t.Fatalf("training-mode features are within %g of the eval-mode golden ones: running stats are not exercised", worst)
	}
}

func TestLoadWeightsErrors(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("testdata", "parity_vit.json"))
	if err != nil {
		t.Fatal(err)
	}
	rnPath := filepath.Join("testdata", "parity_rn.safetensors")

	t.Run("missing file", func(t *testing.T) {
		m, _ := New(cfg, 1)
		err := LoadWeights(m, filepath.Join("testdata", "nope.safetensors"), true)
		if err == nil || !strings.Contains(err.Error(), "nope.safetensors") {
			t.Fatalf("error %v should name the missing file", err)
		}
	})
	t.Run("other architecture", func(t *testing.T) {
		m, _ := New(cfg, 1)
		before := m.LogitScale.Data[0]
		proj := nn.StateDict(m)["text_projection"].Clone()
		err := LoadWeights(m, rnPath, true)
		if err == nil {
			t.Fatal("loading ResNet weights into a ViT model succeeded")
		}
		for _, want := range []string{rnPath, "visual.class_embedding", "visual.attnpool.positional_embedding"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		// Nothing may be copied when loading fails, even the matching text tower.
		if m.LogitScale.Data[0] != before || !equalData(nn.StateDict(m)["text_projection"].Data, proj.Data) {
			t.Error("a failed load changed the model")
		}
	})
	t.Run("shape mismatch", func(t *testing.T) {
		small := cfg
		small.Text.ContextLength = 4
		m, _ := New(small, 1)
		err := LoadWeights(m, filepath.Join("testdata", "parity_vit.safetensors"), false)
		if err == nil || !strings.Contains(err.Error(), "positional_embedding") {
			t.Fatalf("error %v should name the mismatched positional_embedding", err)
		}
	})
}

func TestIgnoredKeys(t *testing.T) {
	for name, want := range map[string]bool{
		"input_resolution": true, "context_length": true, "vocab_size": true,
		"transformer.resblocks.0.attn_mask": true, "attn_mask": true,
		"logit_scale": false, "transformer.resblocks.0.attn.in_proj_weight": false,
	} {
		if got := isIgnoredKey(name); got != want {
			t.Errorf("isIgnoredKey(%q) = %v, want %v", name, got, want)
		}
	}
}

func equalData(a, b []float32) bool {
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

// OpenAI dumps carry configuration scalars and may lack step counters;
// strict loading must accept both and still load every weight.
func TestLoadWeightsToleratesOpenAIExtras(t *testing.T) {
	src := filepath.Join("testdata", "parity_rn.safetensors")
	tensors, _, err := safetensors.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	var edited []safetensors.Tensor
	for _, x := range tensors {
		if !strings.HasSuffix(x.Name, ".num_batches_tracked") {
			edited = append(edited, x)
		}
	}
	if len(edited) == len(tensors) {
		t.Fatal("the golden ResNet has no num_batches_tracked to drop")
	}
	for _, name := range []string{"input_resolution", "context_length", "vocab_size"} {
		edited = append(edited, safetensors.Tensor{Name: name, Data: []float32{7}})
	}
	edited = append(edited, safetensors.Tensor{Name: "transformer.resblocks.0.attn_mask", Shape: []int{8, 8}, Data: make([]float32, 64)})
	path := filepath.Join(t.TempDir(), "openai.safetensors")
	if err := safetensors.Write(path, edited, nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(filepath.Join("testdata", "parity_rn.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadWeights(m, path, true); err != nil {
		t.Fatal(err)
	}
	want := safetensors.ByName(edited)
	for name, got := range nn.StateDict(m) {
		if w, ok := want[name]; ok && !equalData(got.Data, w.Data) {
			t.Errorf("%s was not loaded", name)
		}
	}
}
