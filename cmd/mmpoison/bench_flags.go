package main

import (
	"flag"

	"github.com/mmpoison/mmpoison/clipmodel"
)

// addStepFlags declares the flags bench train and bench embed share.
func addStepFlags(fs *flag.FlagSet, steps, warmup, threads, batch *int, unit string) {
	fs.IntVar(steps, "steps", 20, "timed steps; the median step time is reported")
	fs.IntVar(warmup, "warmup", 3, "untimed steps first")
	fs.IntVar(threads, "threads", 0, "worker threads (0 keeps the current setting, GOMAXPROCS by default)")
	fs.IntVar(batch, "batch", 128, unit+" per step")
}

// benchVocab is the vocabulary of the peer presets, taken by models that
// learn theirs from data.
const benchVocab = 8192

// modelFlags choose the timed model: a peer preset by --arch, or any
// preset or JSON file by --model, with the image size and context overridable.
type modelFlags struct {
	arch, model        string
	imageSize, context int
}

func (m *modelFlags) register(fs *flag.FlagSet, what string) {
	fs.StringVar(&m.arch, "arch", "", what+": resnet or vit (the presets peer-resnet, peer-vit)")
	fs.StringVar(&m.model, "model", "", "or any model: a preset ("+joinPresets()+") or a JSON file (a learned vocabulary is timed at 8192 tokens)")
	fs.IntVar(&m.imageSize, "image-size", 0, "image size in pixels (0: the model's)")
	fs.IntVar(&m.context, "context", 0, "text context length in tokens (0: the model's)")
}

// config is the model to time (nil: the peer preset of --arch) and its label.
func (m *modelFlags) config() (*clipmodel.Config, string, error) {
	switch {
	case m.model != "" && m.arch != "":
		return nil, "", usagef("give --arch or --model, not both")
	case m.model == "" && m.arch != "resnet" && m.arch != "vit":
		return nil, "", usagef("--arch %q: want resnet or vit (or give --model)", m.arch)
	case m.imageSize < 0 || m.context < 0:
		return nil, "", usagef("--image-size and --context must be positive (0 keeps the model's)")
	}
	name := m.model
	if name == "" {
		if m.imageSize == 0 && m.context == 0 {
			return nil, m.arch, nil
		}
		name = "peer-" + m.arch
	}
	cfg, err := clipmodel.LoadConfig(name)
	if err != nil {
		return nil, "", usageError{err.Error()}
	}
	if m.imageSize > 0 {
		cfg.Vision.ImageSize = m.imageSize
	}
	if m.context > 0 {
		cfg.Text.ContextLength = m.context
	}
	if cfg.Text.VocabSize == 0 {
		cfg.Text.VocabSize = benchVocab // the model learns its vocabulary from data: time it at the peers' size
	}
	if err := cfg.Validate(); err != nil {
		return nil, "", usagef("--image-size %d / --context %d: %v", m.imageSize, m.context, err)
	}
	label := m.arch
	if label == "" {
		label = cfg.Name
	}
	return &cfg, label, nil
}

// checkStepFlags turns bad values of the shared flags into usage errors.
func checkStepFlags(steps, warmup, threads, batch int) error {
	switch {
	case steps < 1:
		return usagef("--steps %d: want at least 1", steps)
	case warmup < 0:
		return usagef("--warmup %d: want 0 or more", warmup)
	case threads < 0:
		return usagef("--threads %d: want 0 (keep the current setting) or more", threads)
	case batch < 2:
		return usagef("--batch %d: want at least 2", batch)
	}
	return nil
}
