package runner

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/internal/tune"
	"github.com/mmpoison/mmpoison/simd"
)

// Runner runs an experiment grid into an output folder. Every job is a pure
// function of the config and its seed and writes its results atomically;
// finished jobs are skipped, so a killed run resumes where it stopped and a
// grid can be split over machines with Shard/Shards.
type Runner struct {
	Config *Config
	Out    string
	Log    io.Writer // progress and messages; nil is silent
	Shard  int       // this process runs jobs with index % Shards == Shard
	Shards int       // 0 or 1: all jobs
	// Only, when "clean", stops after the clean model is trained and
	// measured (jobs/clean.json); "" runs the whole grid.
	Only string

	prep   *clipmodel.Prepared
	clean  *clipmodel.Model
	cleanE *clipmodel.SplitEmbeddings // clean model's test embeddings
	times  map[string]time.Duration
}

// Job is one cell of the grid.
type Job struct {
	Name     string
	Attack   AttackConfig
	Ratio    float64
	Modality string
	Defense  string
	Seed     uint64
}

// Jobs expands the grid in a fixed order.
func (c *Config) Jobs() []Job {
	var jobs []Job
	for _, seed := range c.allSeeds() {
		for _, a := range c.Attacks {
			if !slices.Contains(c.attackSeeds(a), seed) {
				continue
			}
			ratios := c.Ratios
			if len(a.Ratios) > 0 {
				ratios = a.Ratios
			}
			mods, defs := c.Modalities, c.Defenses
			if len(a.Modalities) > 0 {
				mods = a.Modalities
			}
			if len(a.Defenses) > 0 {
				defs = a.Defenses
			}
			for _, ratio := range ratios {
				for _, mod := range mods {
					for _, def := range defs {
						if def != "none" && len(c.DefendAttacks) > 0 && !contains(c.DefendAttacks, a.Kind) {
							continue
						}
						j := Job{Attack: a, Ratio: ratio, Modality: mod, Defense: def, Seed: seed}
						j.Name = fmt.Sprintf("%s-%s-r%g-%s-%s-s%d", a.label(), strings.Join(a.Goals, "+"), ratio, mod, def, seed)
						jobs = append(jobs, j)
					}
				}
			}
		}
	}
	return jobs
}

// attackSeeds are the seeds a's jobs run with.
func (c *Config) attackSeeds(a AttackConfig) []uint64 {
	if len(a.Seeds) > 0 {
		return a.Seeds
	}
	return c.Seeds
}

// allSeeds lists the grid's seeds, then the attacks' own in order of
// appearance, each once: jobs are grouped by seed in that order.
func (c *Config) allSeeds() []uint64 {
	seeds := slices.Clone(c.Seeds)
	for _, a := range c.Attacks {
		for _, s := range a.Seeds {
			if !slices.Contains(seeds, s) {
				seeds = append(seeds, s)
			}
		}
	}
	return seeds
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RunInfo is written to the output folder: what ran, where and with which code.
type RunInfo struct {
	Config    *Config           `json:"config"`
	Version   string            `json:"code_version"`
	GoVersion string            `json:"go_version"`
	Machine   string            `json:"machine"`
	SIMD      string            `json:"simd_level"`
	Threads   int               `json:"threads"`
	Shard     string            `json:"shard,omitempty"`
	Started   string            `json:"started"`
	StageTime map[string]string `json:"stage_seconds,omitempty"`
	// Plan is the algorithms chosen by timing (package tune); pin a rerun
	// to them with MMPOISON_PLAN=run.json.
	Plan tune.Record `json:"plan"`
}

// Run trains (or loads) the clean model, runs every job of this shard that
// has no result yet, then merges all results in the folder into
// results.csv, results.json, report.md and plots.
func (r *Runner) Run(version string) error {
	c := r.Config
	r.times = map[string]time.Duration{}
	if err := os.MkdirAll(filepath.Join(r.Out, "jobs"), 0o755); err != nil {
		return err
	}
	info := RunInfo{Config: c, Version: version, GoVersion: runtime.Version(), Machine: machineName(), SIMD: simd.Active().String(),
		Threads: parallel.Threads(), Started: time.Now().UTC().Format(time.RFC3339)}
	if r.Shards > 1 {
		info.Shard = fmt.Sprintf("%d/%d", r.Shard, r.Shards)
	}
	if err := experiments.WriteJSONAtomic(filepath.Join(r.Out, "config.json"), c); err != nil {
		return err
	}
	if r.Only != "" && r.Only != OnlyClean {
		return fmt.Errorf("runner: only must be %q or empty, got %q", OnlyClean, r.Only)
	}
	if err := r.prepare(); err != nil {
		return err
	}
	if err := c.CheckData(r.prep.Data); err != nil {
		return err
	}
	if err := r.cleanModel(); err != nil {
		return err
	}
	jobs := c.Jobs()
	if r.Only == OnlyClean {
		jobs = nil
	}
	for i, j := range jobs {
		if r.Shards > 1 && i%r.Shards != r.Shard {
			continue
		}
		if err := r.claimAndRun(j, fmt.Sprintf("job %d/%d %s", i+1, len(jobs), j.Name)); err != nil {
			return err
		}
	}
	info.Plan = tune.Current().Record()
	info.StageTime = map[string]string{}
	for k, d := range r.times {
		info.StageTime[k] = fmt.Sprintf("%.1f", d.Seconds())
	}
	name := "run.json"
	if r.Shards > 1 {
		name = fmt.Sprintf("run-shard%d.json", r.Shard)
	}
	if err := experiments.WriteJSONAtomic(filepath.Join(r.Out, name), info); err != nil {
		return err
	}
	_, err := experiments.MergeJobs(r.Out, r.Out)
	return err
}

// claimAndRun runs job j unless its result exists or another process
// sharing the folder holds its lock, then prunes its checkpoints.
func (r *Runner) claimAndRun(j Job, label string) error {
	path := filepath.Join(r.Out, "jobs", j.Name+".json")
	done := func() bool { _, err := os.Stat(path); return err == nil }
	if done() {
		r.logf("%s: done already, skipping", label)
		return nil
	}
	l, err := TryLock(filepath.Join(r.Out, "jobs", j.Name+".lock"))
	if errors.Is(err, ErrLocked) {
		r.logf("%s: %v; skipping it", label, err)
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Unlock()
	if done() { // finished by another process between the check and the claim
		r.logf("%s: done already, skipping", label)
		return nil
	}
	r.logf("%s", label)
	t0 := time.Now()
	res, err := r.runJob(j)
	if err != nil {
		return fmt.Errorf("job %s: %w", j.Name, err)
	}
	r.times["job:"+j.Name] = time.Since(t0)
	if err := experiments.WriteJSONAtomic(path, res); err != nil {
		return err
	}
	return pruneCheckpoints(filepath.Join(r.Out, "jobs", j.Name), r.Config.KeepCheckpoints)
}

// Keep-checkpoint settings of Config.KeepCheckpoints.
const (
	KeepNone = "none" // default: a finished job keeps its metrics, not its weights
	KeepLast = "last" // the model the job ended with (after the defense, if any)
	KeepAll  = "all"
)

// pruneCheckpoints deletes a finished job's checkpoints as keep asks.
// Training stages are poison, then finetune; metrics.jsonl files stay.
func pruneCheckpoints(jobDir, keep string) error {
	var ckpts []string
	for _, stage := range []string{"poison", "finetune"} {
		p := filepath.Join(jobDir, stage, clipmodel.CheckpointFile)
		if _, err := os.Stat(p); err == nil {
			ckpts = append(ckpts, p)
		}
	}
	switch keep {
	case KeepAll:
		return nil
	case KeepLast:
		if len(ckpts) > 0 {
			ckpts = ckpts[:len(ckpts)-1]
		}
	}
	for _, p := range ckpts {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}

// OnlyClean is the Runner.Only value that runs the clean stage alone.
const OnlyClean = "clean"

func (r *Runner) logf(format string, a ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", a...)
	}
}

func (r *Runner) stage(name string, f func() error) error {
	t0 := time.Now()
	err := f()
	r.times[name] += time.Since(t0)
	return err
}

// prepare loads the data, labels it and preprocesses the images once for all jobs.
func (r *Runner) prepare() error {
	c := r.Config
	return r.stage("prepare", func() error {
		policy := dataset.FailMissing
		if c.Missing != "" {
			p, err := dataset.ParseMissingPolicy(c.Missing)
			if err != nil {
				return err
			}
			policy = p
		}
		ds, err := dataset.LoadWith(c.Data, dataset.Options{Missing: policy})
		if err != nil {
			return err
		}
		if err := experiments.ApplyClasses(ds, c.Classes); err != nil {
			return err
		}
		cfg, err := clipmodel.LoadConfig(c.Model)
		if err != nil {
			return err
		}
		cache := c.CacheDir
		if cache == "" {
			cache = filepath.Join(r.Out, "cache")
		}
		r.prep, err = clipmodel.Prepare(ds, cfg, c.Tokenizer, cache, policy, r.Log)
		if err == nil {
			err = r.prep.Tok.Save(filepath.Join(r.Out, "tokenizer.txt"))
		}
		return err
	})
}

// withSeed is a stage's options for one run.
func withSeed(o clipmodel.TrainOptions, seed uint64) clipmodel.TrainOptions {
	o.Seed = seed
	return o
}

// cleanModel loads or trains the clean model and records its utility.
func (r *Runner) cleanModel() error {
	c := r.Config
	return r.stage("clean", func() error {
		path := c.CleanCheckpoint
		if path == "" {
			dir := filepath.Join(r.Out, "clean")
			path = filepath.Join(dir, clipmodel.CheckpointFile)
			done := filepath.Join(dir, "done")
			if _, err := os.Stat(done); err != nil {
				// Processes sharing the folder wait for one of them to train it.
				unlock, err := r.claimClean(dir)
				if err != nil {
					return err
				}
				defer unlock()
			}
			if _, err := os.Stat(done); err != nil {
				m, err := clipmodel.New(r.prep.Config, c.Seeds[0])
				if err != nil {
					return err
				}
				ex, err := clipmodel.MakeExamples(r.prep.Data, dataset.Train, r.prep.Images, r.prep.Tok, r.prep.Config.Text.ContextLength)
				if err != nil {
					return err
				}
				opt := withSeed(c.Clean, c.Seeds[0])
				opt.OutDir, opt.Resume, opt.Log = dir, true, r.Log
				r.logf("training the clean model on %d pairs for %d epochs", ex.Len(), opt.Epochs)
				if _, err := clipmodel.Train(m, ex, r.prep.Images, opt); err != nil {
					return fmt.Errorf("clean model: %w", err)
				}
				if err := experiments.WriteFileAtomic(done, []byte("ok\n")); err != nil {
					return err
				}
			}
		}
		m, _, err := clipmodel.LoadModel(path)
		if err != nil {
			return err
		}
		r.clean = m
		se, err := m.EmbedSplit(r.prep.Data, dataset.Test, r.prep.Images, r.prep.Tok)
		if err != nil {
			return fmt.Errorf("clean model %s: %w", path, err)
		}
		r.cleanE = se
		resPath := filepath.Join(r.Out, "jobs", "clean.json")
		if _, err := os.Stat(resPath); err == nil {
			return nil
		}
		res, err := r.evaluate(m, "clean", Job{Attack: AttackConfig{Kind: "none"}, Modality: "both", Defense: "none", Seed: c.Seeds[0]}, nil, nil, nil, 0)
		if err != nil {
			return err
		}
		return experiments.WriteJSONAtomic(resPath, res)
	})
}

// claimClean takes the clean stage's lock in dir, waiting (and saying so)
// while another process holds it.
func (r *Runner) claimClean(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "lock")
	l, err := TryLock(path)
	if errors.Is(err, ErrLocked) {
		r.logf("the clean model is being trained: %v; waiting for it", err)
		l, err = WaitLock(path)
	}
	if err != nil {
		return nil, err
	}
	return func() { l.Unlock() }, nil
}

func machineName() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s (%s/%s, %d cores)", h, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

// jobRNG is the seeded generator of a job's random choices (baselines).
func jobRNG(seed uint64, salt uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, salt)) }
