package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/runner"
)

func init() {
	register(&command{name: "run", summary: "run an experiment grid from a config file (resumable, shardable)", run: runRun})
}

func runRun(args []string) error {
	fs := newFlags("run", "run --config FILE.json --out DIR [--shard i/n] [--only clean] [--threads N] [--dry-run]")
	config := fs.String("config", "", "experiment config (JSON; see docs/experiments.md)")
	out := fs.String("out", "", "output folder (required); finished jobs in it are skipped")
	shard := fs.String("shard", "", "run only shard i of n (0-based), e.g. 0/4; merge later with mmpoison report")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "worker threads")
	only := fs.String("only", "", "clean: train and measure the clean model alone (DIR/jobs/clean.json), no attacks")
	dryRun := fs.Bool("dry-run", false, "check the config, print the jobs (of this shard) and exit without loading data or training")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *config == "" || (*out == "" && !*dryRun) {
		return usagef("--config and --out are required")
	}
	i, n, err := parseShard(*shard)
	if err != nil {
		return err
	}
	cfg, err := runner.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *only != "" && *only != runner.OnlyClean {
		return usagef("--only takes %q, got %q", runner.OnlyClean, *only)
	}
	if *dryRun {
		if *only == runner.OnlyClean {
			fmt.Printf("clean model only, on %s with model %s\n", cfg.Data, cfg.Model)
			return nil
		}
		printJobs(os.Stdout, cfg, i, n)
		return nil
	}
	parallel.SetThreads(*threads)
	return runGrid(cfg, *out, i, n, *only)
}

// printJobs lists the jobs shard i of n would run, one a line.
func printJobs(w io.Writer, cfg *runner.Config, shard, shards int) {
	jobs := cfg.Jobs()
	mine := 0
	for k, j := range jobs {
		if k%shards == shard {
			fmt.Fprintln(w, j.Name)
			mine++
		}
	}
	fmt.Fprintf(w, "%d of %d jobs (plus the clean model) on %s with model %s\n", mine, len(jobs), cfg.Data, cfg.Model)
}

func runGrid(cfg *runner.Config, out string, shard, shards int, only string) error {
	r := &runner.Runner{Config: cfg, Out: out, Log: os.Stderr, Shard: shard, Shards: shards, Only: only}
	if err := r.Run(codeVersion()); err != nil {
		return err
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		return err
	}
	fmt.Print(string(report))
	fmt.Printf("\nresults, report and plots are in %s\n", out)
	return nil
}

// parseShard reads "i/n"; "" means the whole grid.
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("--shard %q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

// codeVersion names the code that ran: the VCS revision baked into the
// binary, or else (a binary built with -buildvcs=false) "checkout:" and the
// git description of the working directory at start, which names the
// binary's code only if it was built from that checkout as it is now.
func codeVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if rev != "" {
			return rev + dirty
		}
	}
	if b, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		return "checkout:" + strings.TrimSpace(string(b))
	}
	return "unknown"
}
