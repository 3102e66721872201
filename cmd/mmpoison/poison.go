package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/runner"
)

func init() {
	register(&command{name: "poison", summary: "write a poisoned training set (the paper's attacks I, II or III) and its manifest",
		run: func(args []string) error { return runPoison(args, os.Stdout) }})
}

// poisonFlags are the settings of `mmpoison poison`.
type poisonFlags struct {
	data, attack, goals, target, ckpt, out string
	ratio                                  float64
	seed                                   uint64
	appendRows, dropUsed                   bool
	load                                   loadFlags
}

func (p *poisonFlags) addTo(fs *flag.FlagSet) {
	fs.StringVar(&p.data, "data", "", "dataset as FORMAT:PATH (required), e.g. flickr8k:../shared/data/flickr8k")
	fs.StringVar(&p.attack, "attack", "", "attack: I (single target image), II (single target label) or III (multiple target labels) (required)")
	fs.StringVar(&p.goals, "goal", "", "A2B goal(s), comma separated, e.g. boat2dog or boat2dog,car2bicycle for III; FROM:TO when a class name contains '2' (required)")
	fs.Float64Var(&p.ratio, "ratio", 0.1, "fraction of class-A training images to poison, in (0,1]")
	fs.Uint64Var(&p.seed, "seed", experiments.DefaultSeed, "sampling seed (also picks the random target image)")
	fs.BoolVar(&p.appendRows, "append", false, "add poisoned copies instead of overwriting the class-A rows")
	fs.BoolVar(&p.dropUsed, "drop-used-targets", false, "attack III: remove the clean rows of class-B images used by later goals, as the paper's code does")
	fs.StringVar(&p.target, "target", experiments.TargetRandom, "attack I's target image: random (a seeded class-B test image), row:ID, path:IMAGE or centroid (the class-B test image nearest the class centre under --ckpt)")
	fs.StringVar(&p.ckpt, "ckpt", "", "clean model checkpoint, for --target centroid")
	fs.StringVar(&p.out, "out", "", "output folder for poisoned.csv and manifest.json (required)")
	p.load.addTo(fs)
}

// spec checks the flags that need no data and builds the attack.
func (p *poisonFlags) spec(targetSet bool) (experiments.AttackSpec, error) {
	var s experiments.AttackSpec
	for _, f := range []struct{ name, value string }{{"--data", p.data}, {"--attack", p.attack}, {"--goal", p.goals}, {"--out", p.out}} {
		if f.value == "" {
			return s, usagef("missing %s", f.name)
		}
	}
	attack, err := parseAttack(p.attack)
	if err != nil {
		return s, err
	}
	if !(p.ratio > 0 && p.ratio <= 1) {
		return s, usagef("--ratio %v: want a fraction in (0,1] of the class-A training images", p.ratio)
	}
	for _, g := range strings.Split(p.goals, ",") {
		goal, err := experiments.ParseGoal(strings.TrimSpace(g))
		if err != nil {
			return s, usagef("--goal: %v", err)
		}
		s.Goals = append(s.Goals, goal)
	}
	if err := attack.CheckGoalCount(len(s.Goals)); err != nil {
		return s, usagef("--goal: %v (several goals go comma-separated, e.g. boat2dog,car2bicycle)", err)
	}
	s.Kind, s.Ratio, s.Seed = attack.Kind, p.ratio, p.seed
	s.Append, s.DropUsedTargets = p.appendRows, p.dropUsed
	if !attack.NeedsTarget {
		if targetSet {
			return s, usagef("--target only applies to an attack with one target image, such as I (attack %s poisons with class-B training images)", attack.Kind)
		}
		return s, nil
	}
	if s.Target, err = parseTarget(p.target, p.seed); err != nil {
		return s, err
	}
	if s.Target.Mode == experiments.TargetCentroid {
		if p.ckpt == "" {
			return s, usagef("--target centroid needs --ckpt CLEAN_MODEL to embed the class-B test images")
		}
		if _, err := os.Stat(p.ckpt); err != nil {
			return s, fmt.Errorf("--ckpt: %w", err)
		}
	} else if p.ckpt != "" {
		return s, usagef("--ckpt is only used by --target centroid")
	}
	return s, nil
}

// parseAttack accepts a registered kind in any case, and 1, 2, 3 for the
// paper's I, II, III.
func parseAttack(v string) (*experiments.Attack, error) {
	kind := strings.ToUpper(strings.TrimSpace(v))
	if n := strings.Index("123", kind); len(kind) == 1 && n >= 0 {
		kind = []string{experiments.AttackSingleImage, experiments.AttackSingleLabel, experiments.AttackMultiLabel}[n]
	}
	a, err := experiments.LookupAttack(kind)
	if err != nil {
		if a, err = experiments.LookupAttack(strings.ToLower(strings.TrimSpace(v))); err != nil {
			return nil, usagef("--attack: %v", err)
		}
	}
	if a.Templated {
		return nil, usagef("--attack %s: this command writes the paper's attacks (I, II, III) as a caption CSV; run the %s attack from an experiment config with mmpoison run (see docs/experiments.md), which also stamps and measures it", a.Kind, a.Kind)
	}
	return a, nil
}

// parseTarget reads random, centroid, row:ID or path:IMAGE.
func parseTarget(v string, seed uint64) (experiments.TargetSpec, error) {
	mode, arg, _ := strings.Cut(v, ":")
	switch mode {
	case experiments.TargetRandom:
		return experiments.TargetSpec{Mode: mode, Seed: seed}, nil
	case experiments.TargetCentroid:
		return experiments.TargetSpec{Mode: mode}, nil
	case experiments.TargetRow:
		id, err := strconv.Atoi(arg)
		if err != nil || id < 0 {
			return experiments.TargetSpec{}, usagef("--target %q: want row:ID with a non-negative row ID", v)
		}
		return experiments.TargetSpec{Mode: mode, RowID: id}, nil
	case experiments.TargetPath:
		if arg == "" {
			return experiments.TargetSpec{}, usagef("--target %q: want path:IMAGE, the image path as the dataset lists it", v)
		}
		return experiments.TargetSpec{Mode: mode, Path: arg}, nil
	}
	return experiments.TargetSpec{}, usagef("--target %q: want random, centroid, row:ID or path:IMAGE", v)
}

func runPoison(args []string, w io.Writer) error {
	fs := newFlags("poison", "poison --data FORMAT:PATH --attack I|II|III --goal boat2dog[,zebra2train] --out DIR [flags]")
	var p poisonFlags
	p.addTo(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	targetSet := false
	fs.Visit(func(f *flag.Flag) { targetSet = targetSet || f.Name == "target" })
	spec, err := p.spec(targetSet)
	if err != nil {
		return err
	}
	ds, _, err := p.load.open(p.data)
	if err != nil {
		return err
	}
	var target *dataset.Row
	if spec.Kind == experiments.AttackSingleImage {
		var emb *experiments.Matrix
		if spec.Target.Mode == experiments.TargetCentroid {
			if emb, err = embedTestImages(ds, spec.Goals[0].To, p.ckpt); err != nil {
				return err
			}
		}
		if target, err = experiments.ChooseTarget(ds, spec.Goals[0].To, spec.Target, emb); err != nil {
			return err
		}
	}
	poisoned, m, err := experiments.Poison(ds, spec, target)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	csvPath := filepath.Join(p.out, "poisoned.csv")
	if err := dataset.WriteCSV(trainOnly(poisoned), csvPath); err != nil {
		return err
	}
	manifestPath := filepath.Join(p.out, "manifest.json")
	if err := experiments.WriteJSONAtomic(manifestPath, m); err != nil {
		return fmt.Errorf("manifest %s: %w", manifestPath, err)
	}
	fmt.Fprintln(w, poisonSummary(ds.Name, spec, m, csvPath, manifestPath))
	return nil
}

// trainOnly keeps the training rows: the poisoned CSV is a training set.
// Writing the test rows too would let LoadCSV, which merges lines by image,
// fold attack I's poisoned captions into x*'s own test row.
func trainOnly(ds *dataset.Dataset) *dataset.Dataset {
	out := *ds
	out.Rows = nil
	for _, r := range ds.Rows {
		if r.Split == dataset.Train {
			out.Rows = append(out.Rows, r)
		}
	}
	return &out
}

// poisonSummary is the one-paragraph account printed after poisoning.
func poisonSummary(data string, spec experiments.AttackSpec, m *experiments.Manifest, csvPath, manifestPath string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Attack %s (%s) on %s: poisoned %d training images (ratio %g of class A, seed %d",
		m.Attack, strings.Join(m.Goals, ", "), data, m.PoisonedImages, m.Ratio, m.Seed)
	if m.Append {
		b.WriteString(", appended as copies")
	}
	b.WriteString(")")
	if spec.Kind == experiments.AttackSingleImage {
		fmt.Fprintf(&b, " with target image x* = %s", m.TargetImage)
		if !strings.HasPrefix(m.TargetImage, "row:") {
			fmt.Fprintf(&b, " (row %d)", m.TargetRowID)
		}
	}
	fmt.Fprintf(&b, "; %d poisoned pairs of %d training pairs, φ = %.4g (%.3g%%).", m.PoisonedPairs, m.TotalPairs, m.Phi, 100*m.Phi)
	for _, g := range m.PerGoal {
		if len(g.DroppedRowIDs) > 0 {
			fmt.Fprintf(&b, " Goal %s dropped %d clean class-B rows.", g.Goal, len(g.DroppedRowIDs))
		}
	}
	fmt.Fprintf(&b, " Wrote %s and %s.", csvPath, manifestPath)
	return b.String()
}

// embedTestImages embeds class's test images (experiments.TestRowsOf order)
// with the checkpoint's image tower, for the centroid target rule. Only
// those images are preprocessed, into a temporary cache.
func embedTestImages(ds *dataset.Dataset, class, ckpt string) (*experiments.Matrix, error) {
	m, _, err := clipmodel.LoadModel(ckpt)
	if err != nil {
		return nil, fmt.Errorf("--ckpt: %w", err)
	}
	cands := experiments.TestRowsOf(ds, class)
	if len(cands) == 0 {
		return nil, fmt.Errorf("target: class %q has no test images in dataset %q", class, ds.Name)
	}
	sub := &dataset.Dataset{Name: ds.Name, Root: ds.Root, Classes: ds.Classes}
	for _, i := range cands {
		sub.Rows = append(sub.Rows, ds.Rows[i])
	}
	tmp, err := os.MkdirTemp("", "mmpoison-centroid-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	im, err := clipmodel.BuildImages(sub, m.Config.Vision.ImageSize, filepath.Join(tmp, "images.cache"), dataset.FailMissing, nil)
	if err != nil {
		return nil, err
	}
	return runner.EmbedTestImages(m, sub, im, class) // sub keeps TestRowsOf(ds, class)'s order
}
