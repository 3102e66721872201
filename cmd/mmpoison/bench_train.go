package main

import (
	"io"

	"github.com/mmpoison/mmpoison/bench"
)

func runBenchTrain(args []string, w io.Writer) error {
	fs := newFlags("bench train", "bench train --arch resnet|vit | --model PRESET|FILE.json [--image-size N] [--context N] [--precision fp32|bf16] [--steps N] [--warmup N] [--threads N] [--batch N] [--optimizer step|paper] [--json]")
	var opts bench.TrainOptions
	var mf modelFlags
	mf.register(fs, "image tower of the speed-comparison model")
	fs.StringVar(&opts.Precision, "precision", "fp32", "fp32, or bf16 mixed precision (bf16 GEMMs with fp32 accumulation and master weights)")
	addStepFlags(fs, &opts.Steps, &opts.Warmup, &opts.Threads, &opts.Batch, "pairs")
	fs.Uint64Var(&opts.Seed, "seed", 0, "seed of the weights and the random batch")
	optimizer := fs.String("optimizer", "", "the peer whose optimiser the step runs: step (torch_clip_step.py: AdamW lr 5e-4, decay 0.1, no clipping) or paper (torch_clip_paper.py: lr 1e-5, decay 0.2, gradient norm clipped to 1); default paper for ViT-B-32 and RN50, step otherwise")
	asJSON := fs.Bool("json", false, "print one JSON object (arch, precision, threads, pairs_per_s, peak_rss_mb, ...)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *optimizer {
	case "":
	case "step":
		opts.Optimizer = &bench.StepOptimizer
	case "paper":
		opts.Optimizer = &bench.PaperOptimizer
	default:
		return usagef("--optimizer %q: want step or paper", *optimizer)
	}
	switch opts.Precision {
	case "fp32", "bf16":
	default:
		return usagef("--precision %q: want fp32 or bf16", opts.Precision)
	}
	if err := checkStepFlags(opts.Steps, opts.Warmup, opts.Threads, opts.Batch); err != nil {
		return err
	}
	var err error
	if opts.Model, opts.Arch, err = mf.config(); err != nil {
		return err
	}
	_, err = bench.RunTrain(opts, w, *asJSON)
	return err
}

func runBenchEmbed(args []string, w io.Writer) error {
	fs := newFlags("bench embed", "bench embed --arch resnet|vit | --model PRESET|FILE.json [--image-size N] [--batch N] [--steps N] [--warmup N] [--threads N] [--json]")
	var opts bench.EmbedOptions
	var mf modelFlags
	mf.register(fs, "image tower to time")
	addStepFlags(fs, &opts.Steps, &opts.Warmup, &opts.Threads, &opts.Batch, "images")
	fs.Uint64Var(&opts.Seed, "seed", 0, "seed of the weights and the random images")
	asJSON := fs.Bool("json", false, "print one JSON object (arch, threads, images_per_s, peak_rss_mb, ...)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkStepFlags(opts.Steps, opts.Warmup, opts.Threads, opts.Batch); err != nil {
		return err
	}
	var err error
	if opts.Model, opts.Arch, err = mf.config(); err != nil {
		return err
	}
	_, err = bench.RunEmbed(opts, w, *asJSON)
	return err
}
