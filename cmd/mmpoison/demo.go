package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/runner"
)

func init() {
	register(&command{name: "demo", summary: "the main job: train, poison (Attacks I-III and a backdoor), measure and defend on the built-in shapes data", run: runDemo})
}

func runDemo(args []string) error {
	fs := newFlags("demo", "demo [--out DIR] [--threads N]")
	out := fs.String("out", "mmpoison-demo", "output folder; a rerun skips finished jobs")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "worker threads")
	printConfig := fs.Bool("print-config", false, "print the demo's experiment config (a starting point for mmpoison run) and exit")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := runner.DemoConfig()
	if *printConfig {
		os.Stdout.Write(runner.DemoConfigJSON())
		return nil
	}
	parallel.SetThreads(*threads)
	fmt.Fprintf(os.Stderr, "mmpoison demo: clean model, Attacks I, II and III, a patch backdoor, filter and fine-tuning defenses on shapes; output in %s\n", *out)
	return runGrid(cfg, *out, 0, 1, "")
}
