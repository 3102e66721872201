package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mmpoison/mmpoison/bench"
	"github.com/mmpoison/mmpoison/simd"
)

func init() {
	register(&command{name: "bench", summary: "measure kernels and the training step (bench gemm, train, embed)",
		run: func(args []string) error { return runBench(args, os.Stdout) }})
}

func runBench(args []string, w io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand: want gemm, train or embed")
	}
	switch args[0] {
	case "gemm":
		return runBenchGemm(args[1:], w)
	case "train":
		return runBenchTrain(args[1:], w)
	case "embed":
		return runBenchEmbed(args[1:], w)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(os.Stdout, "Usage: mmpoison bench SUBCOMMAND [flags]\n\nSubcommands:\n  gemm     median GFLOP/s of C = A·B per shape, per dtype and kernel\n  train    pairs/s of the speed-comparison CLIP training step (../shared/peers/torch_clip_step.py)\n  embed    images/s of its image tower without gradients")
		return flag.ErrHelp
	}
	return usagef("unknown subcommand %q: want gemm, train or embed", args[0])
}

func runBenchGemm(args []string, w io.Writer) error {
	fs := newFlags("bench gemm", "bench gemm [--dtype fp32|bf16] [--impl NAME] [--threads N] [--shapes MxKxN,...] [--runs N] [--json]")
	var opts bench.GemmOptions
	fs.StringVar(&opts.DType, "dtype", "fp32", "element type of the multiply: fp32 or bf16 (bf16 inputs, fp32 sums)")
	fs.StringVar(&opts.Impl, "impl", "", "kernel level: generic, avx2, avx512 or amx (default: the active one, see 'mmpoison cpuinfo')")
	fs.IntVar(&opts.Threads, "threads", 0, "worker threads (0 keeps the current setting)")
	shapes := fs.String("shapes", "", "comma-separated MxKxN shapes (default: the bench/RESULTS.md set)")
	fs.IntVar(&opts.Runs, "runs", 5, "timed runs per shape; the median is reported")
	asJSON := fs.Bool("json", false, "print one JSON object per shape instead of text")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch strings.ToLower(opts.DType) {
	case "fp32", "float32", "f32", "bf16", "bfloat16":
	default:
		return usagef("--dtype %q: want fp32 or bf16", opts.DType)
	}
	if opts.Impl != "" {
		if _, err := simd.ParseLevel(opts.Impl); err != nil {
			return usagef("--impl: %v", err)
		}
	}
	if opts.Threads < 0 {
		return usagef("--threads %d: want 0 (keep the current setting) or more", opts.Threads)
	}
	if opts.Runs <= 0 {
		return usagef("--runs %d: want at least 1", opts.Runs)
	}
	if *shapes != "" {
		s, err := bench.ParseShapes(*shapes)
		if err != nil {
			return usagef("--shapes: %v", err)
		}
		opts.Shapes = s
	}
	return bench.RunGemm(opts, w, *asJSON)
}
