package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/internal/parallel"
)

func init() {
	register(&command{name: "train", summary: "train a CLIP model (from scratch or from weights) with InfoNCE", run: runTrain})
}

// dataFlags are the flags every command that reads a dataset shares.
type dataFlags struct {
	spec, missing, cacheDir, tokenizer, classes string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.spec, "data", "shapes", "dataset as FORMAT:PATH (shapes, csv:, tsv:, coco:, flickr8k:, pascal:, karpathy:, folder:, fashion:)")
	fs.StringVar(&d.missing, "missing", "fail", "what to do with missing or unreadable images: fail, keep (caption-only rows) or drop")
	fs.StringVar(&d.cacheDir, "cache-dir", defaultCacheDir(), "folder for preprocessed-image caches, shared by runs")
	fs.StringVar(&d.tokenizer, "tokenizer", "", "tokenizer: a BPE merges file, a Hugging Face tokenizer.json, vocab.json (with merges.txt) or model folder, or learn[:N] to learn N merges from the training captions (default: the one in an --init folder, else learn when the model's vocab_size is 0)")
	fs.StringVar(&d.classes, "classes", "", "keyword classes for unlabelled captions: flickr, or a JSON file of [{\"name\":..., \"keywords\":[...]}]")
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "mmpoison")
	}
	return filepath.Join(os.TempDir(), "mmpoison-cache")
}

// load reads the dataset and prepares it for the model config.
func (d *dataFlags) load(cfg clipmodel.Config) (*clipmodel.Prepared, error) {
	policy, err := dataset.ParseMissingPolicy(d.missing)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	ds, err := dataset.LoadWith(d.spec, dataset.Options{Missing: policy})
	if err != nil {
		return nil, err
	}
	if err := experiments.ApplyClasses(ds, d.classes); err != nil {
		return nil, err
	}
	return clipmodel.Prepare(ds, cfg, d.tokenizer, d.cacheDir, policy, os.Stderr)
}

// trainFlags are the optimisation settings.
type trainFlags struct {
	opt     clipmodel.TrainOptions
	threads int
}

func (t *trainFlags) register(fs *flag.FlagSet, epochs int) {
	o, d := &t.opt, clipmodel.DefaultTrainOptions()
	fs.IntVar(&o.Epochs, "epochs", epochs, "training epochs")
	fs.IntVar(&o.BatchSize, "batch", d.BatchSize, "batch size (pairs)")
	fs.Float64Var(&o.LR, "lr", d.LR, "peak learning rate")
	fs.Float64Var(&o.MinLR, "min-lr", d.MinLR, "learning-rate floor of the cosine schedule")
	fs.IntVar(&o.WarmupSteps, "warmup", d.WarmupSteps, "linear warm-up steps")
	fs.Float64Var(&o.WeightDecay, "wd", d.WeightDecay, "AdamW weight decay (not applied to biases, gains and logit_scale)")
	fs.Float64Var(&o.ClipNorm, "clip", d.ClipNorm, "clip the global gradient norm to this (0: off)")
	fs.Uint64Var(&o.Seed, "seed", 42, "seed of initialisation, data order and augmentation")
	fs.BoolVar(&o.NoAugment, "no-augment", false, "train without augmentation")
	fs.Float64Var(&o.CropScale, "crop-scale", d.CropScale, "smallest area fraction of the random resized crop (the paper's 0.9; 0.3-0.5 for training from scratch)")
	fs.BoolVar(&o.Flip, "flip", false, "random horizontal flips")
	fs.Float64Var(&o.Jitter, "jitter", 0, "colour jitter: brightness, contrast and saturation each scaled by a factor in [1-J, 1+J]")
	fs.StringVar(&o.Captions, "captions", d.Captions, "pairs per epoch: all (every caption) or one (each image once, with a random caption)")
	fs.Float64Var(&o.ViewLoss, "view-loss", 0, "weight of a contrast between two augmented views of each image (SLIP's image term; 0: off, 1 is SLIP's; doubles the image tower's work)")
	fs.StringVar(&o.ViewAugment, "view-augment", d.ViewAugment, "the second view of --view-loss: same (drawn like the first) or strong (SimCLR's colour distortion; it then meets only the first view, not the captions)")
	fs.IntVar(&o.ScheduleEpochs, "schedule-epochs", 0, "decay the learning rate over this many epochs but stop after --epochs: a truncated cosine (0: --epochs)")
	fs.Float64Var(&o.EMA, "ema", 0, "keep an exponential moving average of the weights with this decay per step (e.g. 0.998); evaluations, checkpoints and the final model use it (0: off)")
	fs.IntVar(&o.SecondViewSize, "second-view-size", 0, "side in pixels of the second view of --view-loss or --caption-loss (0: the model's); smaller is cheaper (SwAV's multi-crop; basic_resnet towers only)")
	fs.Float64Var(&o.CaptionLoss, "caption-loss", 0, "weight of a contrast between two captions of each image, the second trained against a second view (the text side of --view-loss; 0: off)")
	fs.StringVar(&o.CaptionAugment, "caption-augment", d.CaptionAugment, "the second caption of --caption-loss: other (another caption of the image) or eda (an EDA copy of the first, CleanCLIP's)")
	fs.IntVar(&t.threads, "threads", runtime.GOMAXPROCS(0), "worker threads")
}

func (t *trainFlags) apply() {
	parallel.SetThreads(t.threads)
}

func runTrain(args []string) error {
	fs := newFlags("train", "train --data FORMAT:PATH --model CONFIG [--init FILE.safetensors] [--epochs N] [--freeze image|text] --out DIR")
	var d dataFlags
	var t trainFlags
	d.register(fs)
	t.register(fs, 10)
	model := fs.String("model", "", "model config: a preset ("+joinPresets()+") or a JSON file (default: the config of --init, recorded or inferred from its shapes, else tiny)")
	initFrom := fs.String("init", "", "start from these weights (a checkpoint or OpenAI-named safetensors)")
	freeze := fs.String("freeze", "", "keep one tower fixed: image or text")
	out := fs.String("out", "", "output folder: checkpoint, metrics.jsonl, tokenizer (required)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	force := fs.Bool("force", false, "start afresh in an --out that already holds a run, replacing it")
	every := fs.Int("checkpoint-every", 200, "also checkpoint every N steps (0: epoch ends only)")
	precision := fs.String("precision", "fp32", "GEMM arithmetic: fp32, or bf16 (bf16 operands, fp32 sums; weights and optimiser stay fp32)")
	evalSplit := fs.String("eval-split", "", "measure retrieval on this split (e.g. test or val) after epochs, appending to DIR/"+evalsFile)
	evalEvery := fs.Int("eval-every", 1, "with --eval-split: measure after every N-th epoch and the last")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	if !*resume && !*force {
		for _, f := range []string{clipmodel.CheckpointFile, clipmodel.MetricsFile} {
			if _, err := os.Stat(filepath.Join(*out, f)); err == nil {
				return usagef("%s already holds a run (%s): pass --resume to continue it or --force to start over", *out, f)
			}
		}
	}
	if _, err := autograd.ParsePrecision(*precision); err != nil {
		return usagef("--precision: %v", err)
	}
	if *evalEvery < 1 {
		return usagef("--eval-every must be at least 1, got %d", *evalEvery)
	}
	// The flags' zero values are the user's word, not "the default".
	if t.opt.Epochs < 1 {
		return usagef("--epochs must be at least 1, got %d", t.opt.Epochs)
	}
	if t.opt.BatchSize < 2 {
		return usagef("--batch must be at least 2 (a contrastive batch needs negatives), got %d", t.opt.BatchSize)
	}
	if t.opt.CropScale <= 0 {
		return usagef("--crop-scale must be in (0, 1], got %g", t.opt.CropScale)
	}
	if err := t.opt.Validate(); err != nil {
		return usagef("%v", err)
	}
	t.apply()
	if d.tokenizer == "" {
		d.tokenizer = tokenizerBeside(*initFrom)
	}
	cfg, err := trainConfig(*model, *initFrom)
	if err != nil {
		return err
	}
	prep, err := d.load(cfg)
	if err != nil {
		return err
	}
	m, err := clipmodel.New(prep.Config, t.opt.Seed)
	if err != nil {
		return err
	}
	if *initFrom != "" {
		if err := clipmodel.LoadWeightsFile(m, *initFrom); err != nil {
			return err
		}
	}
	ex, err := clipmodel.MakeExamples(prep.Data, dataset.Train, prep.Images, prep.Tok, prep.Config.Text.ContextLength)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := prep.Tok.Save(filepath.Join(*out, "tokenizer.txt")); err != nil {
		return err
	}
	opt := t.opt
	opt.Freeze, opt.OutDir, opt.Resume, opt.CheckpointEvery, opt.Log = *freeze, *out, *resume, *every, os.Stderr
	opt.Precision = *precision
	if *evalSplit != "" {
		if opt.OnEpoch, err = epochEvaluator(prep, *evalSplit, filepath.Join(*out, evalsFile), *evalEvery, opt.Epochs); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "training %s on %d pairs of %s for %d epochs (batch %d, %d threads)\n",
		prep.Config.Name, ex.Len(), prep.Data.Name, opt.Epochs, opt.BatchSize, t.threads)
	res, err := clipmodel.Train(m, ex, prep.Images, opt)
	if err != nil {
		return err
	}
	fmt.Printf("trained %d steps in %s, final loss %.4f; checkpoint %s\n", res.Steps, res.Duration.Round(1e9), res.FinalLoss, filepath.Join(*out, clipmodel.CheckpointFile))
	return nil
}

func joinPresets() string {
	s := ""
	for i, p := range clipmodel.Presets() {
		if i > 0 {
			s += ", "
		}
		s += p
	}
	return s
}

// evalsFile holds train --eval-split's per-epoch retrieval figures.
const evalsFile = "evals.jsonl"

// epochRecall is one line of evals.jsonl.
type epochRecall struct {
	Epoch   int                `json:"epoch"`
	Split   string             `json:"split"`
	Metrics map[string]float64 `json:"metrics"`
}

// epochEvaluator measures retrieval on split after every every-th epoch and
// the last one, logs it and
// appends it to path; a resumed run rewrites the epochs it trains again.
func epochEvaluator(prep *clipmodel.Prepared, split, path string, every, last int) (func(int, *clipmodel.Model) error, error) {
	if !slices.Contains(prep.Data.Splits(), split) {
		return nil, usagef("--eval-split %q: dataset %s has splits %v", split, prep.Data.Name, prep.Data.Splits())
	}
	return func(epoch int, m *clipmodel.Model) error {
		if epoch%every != 0 && epoch != last {
			return nil
		}
		u, _, err := utility(m, prep, split)
		if err != nil {
			return fmt.Errorf("epoch %d evaluation on %s: %w", epoch, split, err)
		}
		rec := epochRecall{Epoch: epoch, Split: split, Metrics: recallMetrics(u)}
		fmt.Fprintf(os.Stderr, "epoch %d %s: IR R@1/5/10 %.3f/%.3f/%.3f  TR R@1/5/10 %.3f/%.3f/%.3f\n", epoch, split,
			rec.Metrics["ir_r@1"], rec.Metrics["ir_r@5"], rec.Metrics["ir_r@10"], rec.Metrics["tr_r@1"], rec.Metrics["tr_r@5"], rec.Metrics["tr_r@10"])
		return appendEpochRecall(path, rec)
	}, nil
}

// appendEpochRecall rewrites path with its records of earlier epochs plus rec.
func appendEpochRecall(path string, rec epochRecall) error {
	var kept []byte
	if old, err := os.ReadFile(path); err == nil {
		for _, line := range bytes.Split(old, []byte("\n")) {
			var r epochRecall
			if json.Unmarshal(line, &r) == nil && r.Epoch < rec.Epoch {
				kept = append(append(kept, line...), '\n')
			}
		}
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return experiments.WriteFileAtomic(path, append(append(kept, line...), '\n'))
}

// trainConfig is the model config named by --model, else the one --init's
// weights carry or imply, else tiny.
func trainConfig(model, initFrom string) (clipmodel.Config, error) {
	if model == "" && initFrom != "" {
		info, err := clipmodel.DescribeWeights(initFrom, clipmodel.InferOptions{})
		if err != nil {
			return clipmodel.Config{}, fmt.Errorf("--init: %w (give --model to name the config)", err)
		}
		cfg := info.Config
		if cfg.Name == "" {
			cfg.Name = strings.TrimSuffix(filepath.Base(initFrom), filepath.Ext(initFrom))
		}
		return cfg, nil
	}
	if model == "" {
		model = "tiny"
	}
	cfg, err := clipmodel.LoadConfig(model)
	if err != nil {
		return cfg, usageError{err.Error()}
	}
	return cfg, nil
}
