package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/nn"
)

// shrunkConfig is the preset of arch made small enough for a unit test,
// keeping its architecture type.
func shrunkConfig(t *testing.T, arch string) *clipmodel.Config {
	t.Helper()
	c, err := clipmodel.LoadConfig("peer-" + arch)
	if err != nil {
		t.Fatal(err)
	}
	c.EmbedDim = 16
	c.Vision.ImageSize = 16
	if arch == "resnet" {
		c.Vision.Widths, c.Vision.Layers, c.Vision.Strides = []int{4, 8}, []int{1, 1}, []int{1, 2}
	} else {
		c.Vision.PatchSize, c.Vision.Width, c.Vision.Layers, c.Vision.Heads = 8, 16, []int{1}, 2
	}
	c.Text.ContextLength, c.Text.VocabSize, c.Text.Width, c.Text.Heads, c.Text.Layers = 12, 64, 16, 2, 1
	return &c
}

func TestRunTrainJSON(t *testing.T) {
	for _, arch := range []string{"resnet", "vit"} {
		var out bytes.Buffer
		opts := TrainOptions{Arch: arch, Steps: 3, Warmup: 1, Threads: 1, Batch: 4, Model: shrunkConfig(t, arch)}
		if _, err := RunTrain(opts, &out, true); err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%s: output is not one JSON object: %v\n%s", arch, err, out.String())
		}
		if got["arch"] != arch || got["precision"] != "fp32" || got["threads"] != 1.0 || got["batch"] != 4.0 {
			t.Errorf("%s: wrong identity fields: %v", arch, got)
		}
		if steps, _ := got["step_s"].([]any); len(steps) != 3 {
			t.Errorf("%s: step_s has %d entries, want the 3 timed steps", arch, len(steps))
		}
		if cpu, _ := got["step_cpu_s"].([]any); len(cpu) != 3 {
			t.Errorf("%s: step_cpu_s has %d entries, want the 3 timed steps", arch, len(cpu))
		}
		if cpu, _ := got["median_step_cpu_s"].(float64); cpu < 0 || math.IsNaN(cpu) {
			t.Errorf("%s: median_step_cpu_s = %v", arch, got["median_step_cpu_s"])
		}
		if pps, _ := got["pairs_per_s"].(float64); !(pps > 0) || math.IsInf(pps, 0) {
			t.Errorf("%s: pairs_per_s = %v", arch, got["pairs_per_s"])
		}
		if share, ok := got["system_share"].(float64); !ok || share < 0 || share > 1 {
			t.Errorf("%s: system_share = %v, want a fraction", arch, got["system_share"])
		}
		if w, _ := got["gemm_gflop_per_step"].(float64); !(w > 0) {
			t.Errorf("%s: gemm_gflop_per_step = %v: a training step is mostly GEMMs", arch, got["gemm_gflop_per_step"])
		}
		if f, ok := got["faults_per_step"].(float64); !ok || f < 0 {
			t.Errorf("%s: faults_per_step = %v", arch, got["faults_per_step"])
		}
		if _, err := os.Stat("/proc/self/status"); err == nil {
			if rss, _ := got["peak_rss_mb"].(float64); !(rss > 1) {
				t.Errorf("%s: peak_rss_mb = %v on a system with /proc", arch, got["peak_rss_mb"])
			}
		}
		// Four updates on one fixed batch must lower the contrastive loss.
		first, last := got["loss_first"].(float64), got["loss_last"].(float64)
		if !(last < first) {
			t.Errorf("%s: loss went from %v to %v over 4 AdamW steps on a fixed batch", arch, first, last)
		}
	}
}

func TestRunTrainText(t *testing.T) {
	var out bytes.Buffer
	if _, err := RunTrain(TrainOptions{Arch: "vit", Steps: 1, Batch: 2, Model: shrunkConfig(t, "vit")}, &out, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"step_s ", "RESULT arch=vit precision=fp32 ", "median_step_cpu_s=", "pairs_per_s=", "system_share=", "faults_per_step=", "peak_rss_MiB="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunTrainRejects(t *testing.T) {
	small := shrunkConfig(t, "vit")
	if _, err := RunTrain(TrainOptions{Arch: "vit", Precision: "bf16", Model: small, Steps: 1, Warmup: 0, Batch: 4}, &bytes.Buffer{}, true); err != nil {
		t.Errorf("bf16: %v", err)
	}
	for _, o := range []TrainOptions{
		{Arch: "mlp"}, {Arch: "vit", Precision: "fp64"}, {Arch: "vit", Steps: -1},
		{Arch: "vit", Warmup: -1}, {Arch: "vit", Threads: -2}, {Arch: "vit", Batch: 1},
	} {
		if o.Arch != "mlp" { // with a model config the arch is only a label
			o.Model = small
		}
		if _, err := RunTrain(o, &bytes.Buffer{}, true); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// The parameter counts of ../shared/peers/torch_clip_step.py's models
// (sum of p.numel() over model.parameters() and model.visual.parameters(),
// torch 1.13): the presets must build the same networks.
func TestPeerPresetsMatchTorchParamCounts(t *testing.T) {
	for _, c := range []struct {
		arch          string
		total, visual int
	}{{"resnet", 8191009, 2860576}, {"vit", 10201345, 4870912}} {
		cfg, err := clipmodel.LoadConfig("peer-" + c.arch)
		if err != nil {
			t.Fatal(err)
		}
		m, err := clipmodel.New(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := countParams(nn.NamedParams(m)); got != c.total {
			t.Errorf("%s: %d parameters, torch model has %d", c.arch, got, c.total)
		}
		if got := countParams(nn.NamedParams(m.Visual)); got != c.visual {
			t.Errorf("%s: image tower has %d parameters, torch model has %d", c.arch, got, c.visual)
		}
	}
}

func TestRandomTokensFollowPeerScheme(t *testing.T) {
	const batch, ctx, vocab = 400, 32, 8192
	ids, eot := randomTokens(rand.New(rand.NewPCG(3, 4)), batch, ctx, vocab)
	seen := map[int]bool{}
	for b := 0; b < batch; b++ {
		row := ids[b*ctx : (b+1)*ctx]
		n := eot[b] + 1
		seen[n] = true
		if n < 8 || n > ctx {
			t.Fatalf("row %d: length %d outside [8, %d]", b, n, ctx)
		}
		argmax := 0
		for i, id := range row {
			switch {
			case i < n-1 && (id < 1 || id > vocab-2):
				t.Fatalf("row %d pos %d: id %d outside [1, %d]", b, i, id, vocab-2)
			case i == n-1 && id != vocab-1:
				t.Fatalf("row %d: EOT position holds %d, want %d", b, id, vocab-1)
			case i >= n && id != 0:
				t.Fatalf("row %d pos %d: padding %d, want 0", b, i, id)
			}
			if id > row[argmax] {
				argmax = i
			}
		}
		if argmax != eot[b] {
			t.Fatalf("row %d: eot %d but argmax(token id) at %d", b, eot[b], argmax)
		}
	}
	if !seen[8] || !seen[ctx] {
		t.Errorf("400 rows never reached length 8 or %d: lengths are not U[8, %d]", ctx, ctx)
	}
}

func TestParseVmHWM(t *testing.T) {
	got := parseVmHWM([]byte("Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n"))
	if got == nil || *got != 2 {
		t.Errorf("VmHWM 2048 kB: got %v, want 2 MiB", got)
	}
	if got := parseVmHWM([]byte("Name:\tx\n")); got != nil {
		t.Errorf("no VmHWM line: got %v, want nil", *got)
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median(3,1,2) = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4,1,3,2) = %v", got)
	}
}
