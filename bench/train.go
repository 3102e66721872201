package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/internal/tune"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/simd"

	"github.com/mmpoison/mmpoison/internal/cputime"
)

const (
	peerBeta1     = 0.9
	peerBeta2     = 0.98
	peerEps       = 1e-6
	peerBatch     = 128
	peerMinTokens = 8 // captions are 8 to context_length tokens long, EOT included
)

// PeerOptimizer is the optimiser of one peer script: AdamW with weight
// decay on every parameter and no schedule, and gradient-norm clipping
// where the peer clips.
type PeerOptimizer struct {
	Name            string
	LR, WeightDecay float64
	ClipNorm        float64 // 0: no clipping
}

var (
	// StepOptimizer is ../shared/peers/torch_clip_step.py's.
	StepOptimizer = PeerOptimizer{Name: "step", LR: 5e-4, WeightDecay: 0.1}
	// PaperOptimizer is ../shared/peers/torch_clip_paper.py's, the paper's fine-tuning.
	PaperOptimizer = PeerOptimizer{Name: "paper", LR: 1e-5, WeightDecay: 0.2, ClipNorm: 1}
)

// PeerOptimizerFor is the optimiser of the peer that times model: the
// paper's for its sizes (ViT-B-32, RN50), the step peer's otherwise.
func PeerOptimizerFor(model string) PeerOptimizer {
	if model == "ViT-B-32" || model == "RN50" {
		return PaperOptimizer
	}
	return StepOptimizer
}

// TrainOptions selects what RunTrain measures.
type TrainOptions struct {
	Arch      string            // "resnet" or "vit": the presets peer-resnet and peer-vit; with Model, a label ("": its name)
	Precision string            // "fp32" ("" too) or "bf16" mixed precision (bf16 GEMMs, fp32 weights)
	Steps     int               // timed steps; 0 means 20, as the peer script
	Warmup    int               // untimed steps first
	Threads   int               // worker threads; 0 keeps the current setting
	Batch     int               // image-text pairs per step; 0 means 128
	Seed      uint64            // weights and data
	Model     *clipmodel.Config // replaces the preset (tests shrink the model with it)
	Optimizer *PeerOptimizer    // nil: PeerOptimizerFor the model's name
}

// TrainResult is what RunTrain measured; its JSON is the `bench train --json` line.
type TrainResult struct {
	Arch        string    `json:"arch"`
	Precision   string    `json:"precision"`
	Threads     int       `json:"threads"`
	SIMD        string    `json:"simd"`
	Plan        string    `json:"plan"` // how convolution algorithms were chosen (package tune)
	Batch       int       `json:"batch"`
	Optimizer   string    `json:"optimizer"` // the peer whose optimiser the step runs (PeerOptimizer)
	Params      int       `json:"params"`
	StepSeconds []float64 `json:"step_s"`
	MedianStepS float64   `json:"median_step_s"`
	// StepCPUS is the process's CPU seconds (all threads) of each timed
	// step: on a shared machine it tells work done from time spent waiting.
	StepCPUS       []float64 `json:"step_cpu_s"`
	MedianStepCPUS float64   `json:"median_step_cpu_s"`
	PairsPerS      float64   `json:"pairs_per_s"`
	// SystemShare is the kernel's part of the timed steps' CPU time and
	// FaultsPerStep their median minor page faults: a step that reuses its
	// memory has neither.
	SystemShare float64 `json:"system_share"`
	// GemmGFLOP is one step's GEMM work (simd.GemmFlops: fp32 + bf16) and
	// GemmGFLOPS that work over the median step: against the machine's
	// FMA (fp32) or VDPBF16PS (bf16) ceiling it says how close the step runs.
	GemmGFLOP     float64  `json:"gemm_gflop_per_step"`
	GemmBF16Part  float64  `json:"gemm_bf16_share"`
	GemmGFLOPS    float64  `json:"gemm_gflops"`
	FaultsPerStep int64    `json:"faults_per_step"`
	PeakRSSMB     *float64 `json:"peak_rss_mb"` // null where the OS does not report it
	LossFirst     float64  `json:"loss_first"`
	LossLast      float64  `json:"loss_last"`
}

// RunTrain times full training steps (forward, InfoNCE loss, backward,
// clipping where the peer clips, AdamW update) on one fixed random batch,
// exactly as ../shared/peers/torch_clip_step.py (or, at the paper's sizes,
// torch_clip_paper.py) does, and writes the result as text or (asJSON) one
// JSON object.
func RunTrain(opts TrainOptions, w io.Writer, asJSON bool) (*TrainResult, error) {
	precision, err := parsePrecision(opts.Precision)
	if err != nil {
		return nil, err
	}
	cfg, err := benchModelConfig(opts.Arch, opts.Model)
	if err != nil {
		return nil, err
	}
	steps, batch, err := checkCounts("bench train", opts.Steps, opts.Warmup, opts.Threads, opts.Batch)
	if err != nil {
		return nil, err
	}
	if opts.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(opts.Threads))
	}
	m, err := clipmodel.New(cfg, opts.Seed)
	if err != nil {
		return nil, fmt.Errorf("bench train: %w", err)
	}
	po := PeerOptimizerFor(cfg.Name)
	if opts.Optimizer != nil {
		po = *opts.Optimizer
	}
	params := nn.NamedParams(m)
	optim, err := nn.NewAdamW([]nn.ParamGroup{{Params: params, WeightDecay: po.WeightDecay}},
		nn.AdamWConfig{LR: po.LR, Beta1: peerBeta1, Beta2: peerBeta2, Eps: peerEps})
	if err != nil {
		return nil, fmt.Errorf("bench train: %w", err)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0xbe7c4))
	s := cfg.Vision.ImageSize
	images := autograd.New(randomImages(rng, batch*3*s*s), batch, 3, s, s)
	ids, eot := randomTokens(rng, batch, cfg.Text.ContextLength, cfg.Text.VocabSize)

	res := &TrainResult{Arch: label(opts.Arch, cfg), Precision: precision, Threads: parallel.Threads(), SIMD: simd.Active().String(),
		Plan: tune.Current().Mode().String(), Batch: batch, Optimizer: po.Name, Params: countParams(params)}
	grads := make([]*autograd.Tensor, len(params))
	for i, p := range params {
		grads[i] = p.Tensor
	}
	g := autograd.NewTape()
	g.SetReleaseData(true) // only the loss is read after Backward
	if precision == "bf16" {
		g.SetPrecision(autograd.BF16)
	}
	var timed cputime.Usage
	var faults []float64
	for i := 0; i < opts.Warmup+steps; i++ {
		t0, use0, work0 := time.Now(), cputime.Now(), simd.GemmFlops()
		g.Reset() // returns last step's buffers to the pool: no per-step growth
		loss := m.Loss(g, images, ids, eot)
		optim.ZeroGrad()
		g.Backward(loss)
		if po.ClipNorm > 0 {
			nn.ClipGradNorm(grads, po.ClipNorm)
		}
		optim.Step()
		dt, use, work := time.Since(t0).Seconds(), cputime.Now().Sub(use0), simd.GemmFlops()
		if i == 0 {
			res.LossFirst = float64(loss.Item())
		}
		res.LossLast = float64(loss.Item())
		if i >= opts.Warmup {
			res.StepSeconds = append(res.StepSeconds, dt)
			res.StepCPUS = append(res.StepCPUS, use.User+use.System)
			timed.User, timed.System = timed.User+use.User, timed.System+use.System
			faults = append(faults, float64(use.MinorFaults))
			fp32, bf16 := float64(work.FP32-work0.FP32), float64(work.BF16-work0.BF16)
			res.GemmGFLOP = (fp32 + bf16) / 1e9 // the same every step: one fixed batch
			if fp32+bf16 > 0 {
				res.GemmBF16Part = bf16 / (fp32 + bf16)
			}
		}
	}
	g.Reset()
	res.MedianStepS = median(res.StepSeconds)
	res.MedianStepCPUS = median(res.StepCPUS)
	res.PairsPerS = float64(batch) / res.MedianStepS
	if cpu := timed.User + timed.System; cpu > 0 {
		res.SystemShare = timed.System / cpu
	}
	res.FaultsPerStep = int64(median(faults))
	res.GemmGFLOPS = res.GemmGFLOP / res.MedianStepS
	res.PeakRSSMB = PeakRSSMB()
	return res, writeTrainResult(w, res, asJSON)
}

func parsePrecision(p string) (string, error) {
	switch strings.ToLower(p) {
	case "", "fp32", "float32", "f32":
		return "fp32", nil
	case "bf16", "bfloat16":
		return "bf16", nil
	}
	return "", fmt.Errorf("bench: unknown precision %q: want fp32 or bf16", p)
}

// benchModelConfig is override when set (arch then only labels the
// result), else the peer preset of arch.
func benchModelConfig(arch string, override *clipmodel.Config) (clipmodel.Config, error) {
	if override != nil {
		return *override, override.Validate()
	}
	if arch != "resnet" && arch != "vit" {
		return clipmodel.Config{}, fmt.Errorf("bench: unknown arch %q: want resnet or vit, or give a model config", arch)
	}
	return clipmodel.LoadConfig("peer-" + arch)
}

// label names the measured model in results: arch, or the config's name.
func label(arch string, cfg clipmodel.Config) string {
	if arch != "" {
		return arch
	}
	return cfg.Name
}

// checkCounts validates the shared step/thread/batch settings and fills the defaults.
func checkCounts(what string, steps, warmup, threads, batch int) (int, int, error) {
	switch {
	case steps < 0:
		return 0, 0, fmt.Errorf("%s: steps must be >= 1 (0 means 20), got %d", what, steps)
	case warmup < 0:
		return 0, 0, fmt.Errorf("%s: warmup must be >= 0, got %d", what, warmup)
	case threads < 0:
		return 0, 0, fmt.Errorf("%s: threads must be >= 0 (0 keeps the current %d), got %d", what, parallel.Threads(), threads)
	case batch < 0 || batch == 1:
		return 0, 0, fmt.Errorf("%s: batch must be >= 2 (0 means %d), got %d", what, peerBatch, batch)
	}
	if steps == 0 {
		steps = 20
	}
	if batch == 0 {
		batch = peerBatch
	}
	return steps, batch, nil
}

func randomImages(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// randomTokens makes the peer's captions: length L ~ U[8, ctx], ids
// U[1, vocab-2] at 0..L-2, the EOT id vocab-1 at L-1 and zero padding.
// eot[b] = L-1 is where argmax(token id) lands, the peer's pooling position.
func randomTokens(rng *rand.Rand, batch, ctx, vocab int) (ids, eot []int) {
	ids = make([]int, batch*ctx)
	eot = make([]int, batch)
	lo := min(peerMinTokens, ctx)
	for b := range eot {
		n := lo + rng.IntN(ctx-lo+1)
		row := ids[b*ctx : (b+1)*ctx]
		for i := 0; i < n-1; i++ {
			row[i] = 1 + rng.IntN(vocab-2)
		}
		row[n-1] = vocab - 1
		eot[b] = n - 1
	}
	return ids, eot
}

func countParams(params []nn.Named) int {
	n := 0
	for _, p := range params {
		n += p.Tensor.Size()
	}
	return n
}

func writeTrainResult(w io.Writer, r *TrainResult, asJSON bool) error {
	if asJSON {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return err
	}
	_, err := fmt.Fprintf(w, "mmpoison arch=%s precision=%s threads=%d simd=%s plan=%s batch=%d optimizer=%s params=%.2fM\nstep_s %s\nloss first=%.4f last=%.4f\nRESULT arch=%s precision=%s median_step_s=%.3f median_step_cpu_s=%.3f pairs_per_s=%.1f gemm_gflop_per_step=%.1f gemm_gflops=%.1f system_share=%.3f faults_per_step=%d peak_rss_MiB=%s\n",
		r.Arch, r.Precision, r.Threads, r.SIMD, r.Plan, r.Batch, r.Optimizer, float64(r.Params)/1e6, formatSeconds(r.StepSeconds),
		r.LossFirst, r.LossLast, r.Arch, r.Precision, r.MedianStepS, r.MedianStepCPUS, r.PairsPerS, r.GemmGFLOP, r.GemmGFLOPS, r.SystemShare, r.FaultsPerStep, formatRSS(r.PeakRSSMB))
	return err
}
