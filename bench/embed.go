package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/simd"
	"github.com/mmpoison/mmpoison/vision"
)

// EmbedOptions selects what RunEmbed measures.
type EmbedOptions struct {
	Arch    string            // "resnet" or "vit": the image tower of peer-resnet or peer-vit
	Steps   int               // timed forward passes; 0 means 20
	Warmup  int               // untimed passes first
	Threads int               // worker threads; 0 keeps the current setting
	Batch   int               // images per pass; 0 means 128
	Seed    uint64            // weights and images
	Model   *clipmodel.Config // replaces the preset (tests shrink the model with it)
}

// EmbedResult is what RunEmbed measured; its JSON is the `bench embed --json` line.
type EmbedResult struct {
	Arch        string    `json:"arch"`
	Threads     int       `json:"threads"`
	SIMD        string    `json:"simd"`
	Batch       int       `json:"batch"`
	StepSeconds []float64 `json:"step_s"`
	MedianStepS float64   `json:"median_step_s"`
	ImagesPerS  float64   `json:"images_per_s"`
	PeakRSSMB   *float64  `json:"peak_rss_mb"`
}

// RunEmbed times the image tower's forward pass in evaluation mode (batch
// norm on running statistics) on a tape that records nothing, as
// bench/torch_embed.py does under torch.no_grad(), and writes the result
// as text or (asJSON) one JSON object.
func RunEmbed(opts EmbedOptions, w io.Writer, asJSON bool) (*EmbedResult, error) {
	cfg, err := benchModelConfig(opts.Arch, opts.Model)
	if err != nil {
		return nil, err
	}
	steps, batch, err := checkCounts("bench embed", opts.Steps, opts.Warmup, opts.Threads, opts.Batch)
	if err != nil {
		return nil, err
	}
	if opts.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(opts.Threads))
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0xe3bed))
	enc, err := vision.NewEncoder(rng, cfg.Vision, cfg.EmbedDim)
	if err != nil {
		return nil, fmt.Errorf("bench embed: %w", err)
	}
	nn.SetTraining(enc, false)
	s := cfg.Vision.ImageSize
	images := autograd.New(randomImages(rng, batch*3*s*s), batch, 3, s, s)

	res := &EmbedResult{Arch: label(opts.Arch, cfg), Threads: parallel.Threads(), SIMD: simd.Active().String(), Batch: batch}
	g := autograd.NewTape()
	g.SetNoGrad(true)
	for i := 0; i < opts.Warmup+steps; i++ {
		t0 := time.Now()
		g.Reset()
		enc.Forward(g, images)
		if i >= opts.Warmup {
			res.StepSeconds = append(res.StepSeconds, time.Since(t0).Seconds())
		}
	}
	g.Reset()
	res.MedianStepS = median(res.StepSeconds)
	res.ImagesPerS = float64(batch) / res.MedianStepS
	res.PeakRSSMB = PeakRSSMB()
	if asJSON {
		line, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return res, err
	}
	_, err = fmt.Fprintf(w, "mmpoison embed arch=%s threads=%d simd=%s batch=%d\nstep_s %s\nRESULT arch=%s median_step_s=%.3f images_per_s=%.1f peak_rss_MiB=%s\n",
		res.Arch, res.Threads, res.SIMD, res.Batch, formatSeconds(res.StepSeconds), res.Arch, res.MedianStepS, res.ImagesPerS, formatRSS(res.PeakRSSMB))
	return res, err
}
