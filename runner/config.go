package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/mmpoison/mmpoison/experiments"
	"os"
	"slices"
	"strings"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
)

// Config is an experiment grid: which data and model, how the clean and the
// poisoned models are trained, and which attacks, poisoning ratios, tower
// modes, defenses and seeds to cross.
type Config struct {
	Name      string `json:"name"`
	Data      string `json:"data"`              // dataset spec, e.g. "shapes" or "flickr8k:../shared/data/flickr8k"
	Classes   string `json:"classes,omitempty"` // keyword classes for unlabelled captions: "flickr" or a JSON file
	Missing   string `json:"missing,omitempty"` // fail (default), keep or drop
	Model     string `json:"model"`             // preset name or JSON file
	Tokenizer string `json:"tokenizer,omitempty"`
	CacheDir  string `json:"cache_dir,omitempty"` // default: <out>/cache

	// CleanCheckpoint names an existing clean model; empty trains one with Clean.
	// A stage's fields are clipmodel.TrainOptions'; those left out take
	// clipmodel.DefaultTrainOptions, as the command line's flags do.
	CleanCheckpoint string                 `json:"clean_checkpoint,omitempty"`
	Clean           clipmodel.TrainOptions `json:"clean"`
	// Poison trains the poisoned model, starting from the clean one as the paper fine-tunes CLIP.
	Poison clipmodel.TrainOptions `json:"poison"`

	Attacks    []AttackConfig `json:"attacks"`
	Ratios     []float64      `json:"ratios"`
	Modalities []string       `json:"modalities,omitempty"` // both (default), image, text
	Defenses   []string       `json:"defenses,omitempty"`   // none (default), filter, finetune
	// DefendAttacks limits defenses other than "none" to these attack kinds (default: all).
	DefendAttacks []string       `json:"defend_attacks,omitempty"`
	Filter        FilterConfig   `json:"filter,omitempty"`
	Finetune      FinetuneConfig `json:"finetune,omitempty"`
	// TrainDefense sets the training-time defenses, roclip and safeclip.
	TrainDefense experiments.TrainingSettings `json:"train_defense,omitempty"`
	Seeds        []uint64                     `json:"seeds,omitempty"` // default [42]
	// EvalEveryEpoch records attack metrics after every poisoned epoch, for
	// attack-strength-per-epoch curves.
	EvalEveryEpoch bool `json:"eval_every_epoch,omitempty"`
	// ZeroShot records zeroshot_acc, CLIP-style zero-shot classification of
	// the labelled test images, as a utility metric; ZeroShotTemplates are
	// its prompts ("{}" takes the class name; default DefaultZeroShotTemplates).
	ZeroShot          bool     `json:"zero_shot,omitempty"`
	ZeroShotTemplates []string `json:"zero_shot_templates,omitempty"`
	// KeepCheckpoints says which weights a finished job keeps: none (the
	// default: a grid of ViT-B/32 jobs would otherwise keep 600 MB a job),
	// last, or all. The clean model is always kept.
	KeepCheckpoints string `json:"keep_checkpoints,omitempty"`
}

// AttackConfig is one attack of the grid; each goal list is one attack
// (Attack III takes several goals at once).
type AttackConfig struct {
	Kind            string                 `json:"kind"` // a registered attack: I, II or III (experiments.AttackKinds)
	Goals           []string               `json:"goals"`
	Target          experiments.TargetSpec `json:"target,omitempty"` // Attack I; mode defaults to centroid
	Append          bool                   `json:"append,omitempty"`
	DropUsedTargets bool                   `json:"drop_used_targets,omitempty"`
	// Ratios overrides the grid's ratios for this attack (Attack III poisons
	// every goal at the ratio, so it may want smaller ones).
	Ratios []float64 `json:"ratios,omitempty"`
	// Modalities and Defenses override the grid's for this attack, so one
	// config can sweep ratios for the plain attack and run frozen towers or
	// defenses at a single ratio.
	Modalities []string `json:"modalities,omitempty"`
	Defenses   []string `json:"defenses,omitempty"`
	// Seeds overrides the grid's seeds, so the jobs that need a mean and
	// a spread (the frozen towers) can run on more seeds than the rest.
	Seeds []uint64 `json:"seeds,omitempty"`
	// Trigger is the backdoor's (required for it, refused elsewhere), and
	// Templates the captions the backdoor's and the targeted attack's
	// poisoned images get, "{}" taking the target class (default:
	// zero_shot_templates, else experiments.DefaultZeroShotTemplates).
	Trigger   *experiments.Trigger `json:"trigger,omitempty"`
	Templates []string             `json:"templates,omitempty"`
}

// label names the attack in job names: its kind, and a backdoor's trigger.
func (a AttackConfig) label() string {
	if a.Trigger != nil {
		return a.Kind + "-" + a.Trigger.Label()
	}
	return a.Kind
}

// needsTarget says the attack takes a target image (Attack I, targeted).
func (a AttackConfig) needsTarget() bool {
	att, err := experiments.LookupAttack(a.Kind)
	return err == nil && att.NeedsTarget
}

// attack is the registered attack of the config's kind (checked by Validate).
func (a AttackConfig) attack() *experiments.Attack {
	att, err := experiments.LookupAttack(a.Kind)
	if err != nil {
		panic(err) // Validate rejects unknown kinds before any job runs
	}
	return att
}

// FilterConfig sets the pre-training defense: drop pairs whose cosine
// distance under the clean model exceeds Gamma, or the Percent most distant
// (default 5), or choose γ on Labelled pairs (default 200) sampled from the
// poisoned training set. Mode is the rule that "filter" names.
type FilterConfig struct {
	Mode string `json:"mode,omitempty"` // gamma, percent (default) or labelled
	experiments.FilterSettings
}

// FinetuneConfig sets the post-training defense: clean fine-tuning.
type FinetuneConfig struct {
	Epochs int     `json:"epochs,omitempty"` // default 1
	LR     float64 `json:"lr,omitempty"`     // default: the poison stage's LR
}

// LoadConfig reads an experiment config from JSON, rejecting unknown fields.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiment config: %w", err)
	}
	return ParseConfig(path, b)
}

// ParseConfig decodes and checks a config; name labels errors.
func ParseConfig(name string, b []byte) (*Config, error) {
	c := Config{Clean: clipmodel.DefaultTrainOptions(), Poison: clipmodel.DefaultTrainOptions()}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("experiment config %s: %w", name, experiments.JSONErrorWithLine(b, err))
	}
	if err := checkExplicitZeros(b); err != nil {
		return nil, fmt.Errorf("experiment config %s: %w", name, err)
	}
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("experiment config %s: %w", name, err)
	}
	return &c, nil
}

func (c *Config) fillDefaults() {
	if c.Model == "" {
		c.Model = "tiny"
	}
	if c.Data == "" {
		c.Data = "shapes"
	}
	if len(c.Modalities) == 0 {
		c.Modalities = []string{"both"}
	}
	if len(c.Defenses) == 0 {
		c.Defenses = []string{"none"}
	}
	if len(c.Seeds) == 0 {
		c.Seeds = []uint64{experiments.DefaultSeed}
	}
	if c.Filter.Mode == "" {
		c.Filter.Mode = "percent"
	}
	if c.Filter.Percent == 0 {
		c.Filter.Percent = 5
	}
	if c.Filter.Labelled == 0 {
		c.Filter.Labelled = 200
	}
	if c.Finetune.Epochs == 0 {
		c.Finetune.Epochs = 1
	}
	if c.KeepCheckpoints == "" {
		c.KeepCheckpoints = KeepNone
	}
	for i := range c.Attacks {
		if c.Attacks[i].needsTarget() && c.Attacks[i].Target.Mode == "" {
			c.Attacks[i].Target.Mode = experiments.TargetCentroid
		}
	}
}

// Validate reports the first problem in the grid.
func (c *Config) Validate() error {
	if c.CleanCheckpoint == "" && c.Clean.Epochs <= 0 {
		return fmt.Errorf("clean.epochs must be positive (or give clean_checkpoint)")
	}
	if len(c.Attacks) > 0 && c.Poison.Epochs <= 0 {
		return fmt.Errorf("poison.epochs must be positive")
	}
	for _, st := range []struct {
		name string
		opt  clipmodel.TrainOptions
		used bool
	}{{"clean", c.Clean, c.CleanCheckpoint == ""}, {"poison", c.Poison, len(c.Attacks) > 0}} {
		switch {
		case st.opt.Seed != 0:
			return fmt.Errorf("%s.seed: a stage takes its seed from the top-level seeds list", st.name)
		case st.opt.Freeze != "":
			return fmt.Errorf("%s.freeze: list the towers to poison in modalities (image, text) instead", st.name)
		}
		if st.used {
			if err := st.opt.Validate(); err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
		}
	}
	for i, a := range c.Attacks {
		att, err := experiments.LookupAttack(a.Kind)
		if err != nil {
			return fmt.Errorf("attacks[%d]: %w", i, err)
		}
		if err := att.CheckGoalCount(len(a.Goals)); err != nil {
			return fmt.Errorf("attacks[%d]: %w (goals %v)", i, err, a.Goals)
		}
		for _, g := range a.Goals {
			if _, err := experiments.ParseGoal(g); err != nil {
				return fmt.Errorf("attacks[%d]: %w", i, err)
			}
		}
		switch {
		case att.NeedsImages && a.Trigger == nil:
			return fmt.Errorf("attacks[%d]: attack %s needs a trigger, e.g. \"trigger\": {\"kind\": \"patch\"}", i, a.Kind)
		case !att.NeedsImages && a.Trigger != nil:
			return fmt.Errorf("attacks[%d]: attack %s takes no trigger (only the backdoor does)", i, a.Kind)
		case !att.Templated && len(a.Templates) > 0:
			return fmt.Errorf("attacks[%d]: attack %s takes no caption templates (the backdoor and the targeted attack do)", i, a.Kind)
		case a.Trigger != nil:
			if err := a.Trigger.Validate(); err != nil {
				return fmt.Errorf("attacks[%d]: %w", i, err)
			}
		}
		if len(a.Templates) > 0 {
			if _, err := experiments.ZeroShotPrompts([]string{"class"}, a.Templates); err != nil {
				return fmt.Errorf("attacks[%d] templates: %w", i, err)
			}
		}
	}
	for i, a := range c.Attacks {
		rs := a.Ratios
		if len(rs) == 0 {
			rs = c.Ratios
		}
		if len(rs) == 0 {
			return fmt.Errorf("attacks[%d]: give at least one poisoning ratio (fraction of class-A training images) in ratios", i)
		}
		for _, r := range rs {
			if r <= 0 || r > 1 {
				return fmt.Errorf("attacks[%d]: ratio %v is outside (0, 1]", i, r)
			}
		}
	}
	if !(c.Filter.Percent > 0 && c.Filter.Percent < 100) {
		return fmt.Errorf("filter.percent must be between 0 and 100 (the share of pairs to drop), got %g", c.Filter.Percent)
	}
	mods, defs := slices.Clone(c.Modalities), slices.Clone(c.Defenses)
	for _, a := range c.Attacks {
		mods, defs = append(mods, a.Modalities...), append(defs, a.Defenses...)
	}
	for _, m := range mods {
		if m != "both" && m != "image" && m != "text" {
			return fmt.Errorf("modalities: %q is not one of both, image, text", m)
		}
	}
	for _, d := range defs {
		def, err := experiments.ResolveDefense(d, c.Filter.Mode)
		if err != nil {
			return fmt.Errorf("defenses: %w", err)
		}
		if def.Stage == experiments.DuringTraining {
			if err := withTrainingDefense(c.Poison, def, c.TrainDefense).Validate(); err != nil {
				return fmt.Errorf("defense %s changes the poison stage: %w", d, err)
			}
		}
	}
	if len(c.ZeroShotTemplates) > 0 {
		if _, err := experiments.ZeroShotPrompts([]string{"class"}, c.ZeroShotTemplates); err != nil {
			return fmt.Errorf("zero_shot_templates: %w", err)
		}
	}
	if !slices.Contains(experiments.FilterModes, c.Filter.Mode) {
		return fmt.Errorf("filter.mode: %q is not one of %s", c.Filter.Mode, strings.Join(experiments.FilterModes, ", "))
	}
	for i, a := range c.Attacks {
		if !a.needsTarget() {
			continue
		}
		switch t := a.Target; t.Mode {
		case experiments.TargetCentroid, experiments.TargetRandom:
		case experiments.TargetRow:
			if t.RowID < 0 {
				return fmt.Errorf("attacks[%d]: target row_id must be a row ID (>= 0), got %d", i, t.RowID)
			}
		case experiments.TargetPath:
			if t.Path == "" {
				return fmt.Errorf("attacks[%d]: target mode path needs a path", i)
			}
		default:
			return fmt.Errorf("attacks[%d]: target mode %q is not one of centroid, random, row, path", i, t.Mode)
		}
	}
	switch c.KeepCheckpoints {
	case KeepNone, KeepLast, KeepAll, "":
	default:
		return fmt.Errorf("keep_checkpoints: %q is not one of none, last, all", c.KeepCheckpoints)
	}
	if len(c.Attacks) == 0 {
		return fmt.Errorf("attacks is empty: list at least one attack (to train only the clean model, run the grid with --only clean)")
	}
	seen := map[string]bool{}
	for _, j := range c.Jobs() {
		if seen[j.Name] {
			return fmt.Errorf("job %s is listed twice (an attack repeated, or two that differ only in what the job name leaves out): remove or change one", j.Name)
		}
		seen[j.Name] = true
	}
	return nil
}

// checkExplicitZeros rejects a 0 written out for a setting where 0 cannot
// work: in the decoded struct it is indistinguishable from "absent, take the
// default", which would silently train with the default instead.
func checkExplicitZeros(b []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return nil // the typed decode has accepted b, so this cannot fail
	}
	for _, stage := range []string{"clean", "poison", "finetune"} {
		var fields map[string]json.RawMessage
		if json.Unmarshal(top[stage], &fields) != nil {
			continue
		}
		for _, field := range []string{"epochs", "batch_size"} {
			v, ok := fields[field]
			if !ok {
				continue
			}
			var n float64
			if json.Unmarshal(v, &n) == nil && n == 0 {
				return fmt.Errorf("%s.%s is 0: give a positive number, or leave it out for the default", stage, field)
			}
		}
	}
	return nil
}

// CheckData reports the first goal the loaded data cannot serve, before any
// training: every class must exist, and have training images to poison
// (or to take images from) and test images to query with and rank.
func (c *Config) CheckData(ds *dataset.Dataset) error {
	for i, a := range c.Attacks {
		goals := make([]experiments.Goal, len(a.Goals))
		for k, s := range a.Goals {
			g, err := experiments.ParseGoal(s)
			if err != nil {
				return fmt.Errorf("attacks[%d]: %w", i, err)
			}
			goals[k] = g
		}
		if err := experiments.CheckClasses(ds, goals); err != nil {
			return fmt.Errorf("attacks[%d]: %w", i, err)
		}
		for _, g := range goals {
			for _, cls := range g.Classes() {
				if len(experiments.TrainRowsOf(ds, cls)) == 0 {
					return fmt.Errorf("attacks[%d] goal %s: class %q has no training images in %s", i, g, cls, ds.Name)
				}
				if len(experiments.TestRowsOf(ds, cls)) == 0 {
					return fmt.Errorf("attacks[%d] goal %s: class %q has no test images in %s to evaluate with", i, g, cls, ds.Name)
				}
			}
		}
	}
	return nil
}
