package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

func init() {
	register(&command{name: "weights", summary: "describe weight files (weights inspect)",
		run: func(args []string) error { return runWeights(args, os.Stdout) }})
}

func runWeights(args []string, w io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand: want inspect or convert")
	}
	switch args[0] {
	case "inspect":
		return runWeightsInspect(args[1:], w)
	case "convert":
		return runWeightsConvert(args[1:], w)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(os.Stdout, "Usage: mmpoison weights SUBCOMMAND [flags]\n\nSubcommands:\n  inspect  the format, tensors, dtypes and model config of a weights file (safetensors, PyTorch .pt/.bin, TorchScript) or folder\n  convert  rewrite weights as F32 safetensors under OpenAI's or Hugging Face's names")
		return flag.ErrHelp
	}
	return usagef("unknown subcommand %q: want inspect or convert", args[0])
}

func runWeightsInspect(args []string, w io.Writer) error {
	fs := newFlags("weights inspect", "weights inspect FILE [--act quick_gelu|gelu] [--text-heads N] [--vision-heads N] [--json]")
	var opt clipmodel.InferOptions
	fs.StringVar(&opt.Act, "act", "", "activation the shapes cannot tell (default quick_gelu, OpenAI's)")
	fs.IntVar(&opt.TextHeads, "text-heads", 0, "text attention heads (0: OpenAI's rule, width/64)")
	fs.IntVar(&opt.VisionHeads, "vision-heads", 0, "image attention heads (0: OpenAI's rule)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	// The file may come before or after the flags.
	if err := fs.Parse(args); err != nil {
		return parse(fs, args)
	}
	if fs.NArg() == 0 {
		return usagef("missing weights file: weights inspect FILE (.safetensors, .pt, .bin or a folder)")
	}
	file := fs.Arg(0)
	if err := parse(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if opt.Act != "" && opt.Act != "gelu" && opt.Act != "quick_gelu" {
		return usagef("--act %q: want gelu or quick_gelu", opt.Act)
	}
	if opt.TextHeads < 0 || opt.VisionHeads < 0 {
		return usagef("--text-heads and --vision-heads must be positive (0: OpenAI's rule)")
	}
	info, err := clipmodel.DescribeWeights(file, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(info)
		_, err := fmt.Fprintln(w, string(b))
		return err
	}
	var dtypes []string
	for d, n := range info.DTypes {
		dtypes = append(dtypes, fmt.Sprintf("%s ×%d", d, n))
	}
	sort.Strings(dtypes)
	fmt.Fprintf(w, "%s: %s", info.Path, info.Format)
	if info.Format == "mmpoison checkpoint" {
		fmt.Fprintf(w, " at step %d", info.Step)
	}
	fmt.Fprintf(w, "\n%d model tensors, %d values (%s)\n", info.Tensors, info.Params, strings.Join(dtypes, ", "))
	how := "recorded in the checkpoint"
	if info.Inferred {
		how = "inferred from the shapes (heads by OpenAI's rule unless given)"
	}
	cfg, _ := json.MarshalIndent(info.Config, "", "  ")
	_, err = fmt.Fprintf(w, "model config, %s:\n%s\n", how, cfg)
	return err
}

func runWeightsConvert(args []string, w io.Writer) error {
	fs := newFlags("weights convert", "weights convert IN OUT.safetensors [--names openai|hf]")
	names := fs.String("names", "openai", "names to write: openai (this project's, OpenAI CLIP's) or hf (transformers' CLIPModel)")
	if err := fs.Parse(args); err != nil {
		return parse(fs, args)
	}
	if fs.NArg() < 2 {
		return usagef("want IN and OUT: weights convert IN OUT.safetensors")
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if err := parse(fs, fs.Args()[2:]); err != nil {
		return err
	}
	if *names != "openai" && *names != "hf" {
		return usagef("--names %q: want openai or hf", *names)
	}
	sd, err := clipmodel.ReadStateDict(in)
	if err != nil {
		return err
	}
	if *names == "hf" {
		if sd, err = clipmodel.ToHFNames(sd); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(sd))
	for k := range sd {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ts := make([]safetensors.Tensor, len(keys))
	for i, k := range keys {
		ts[i] = safetensors.Tensor{Name: k, Shape: sd[k].Shape, Data: sd[k].Data}
	}
	if err := safetensors.Write(out, ts, nil); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "wrote %d tensors with %s names to %s\n", len(ts), *names, out)
	return err
}
