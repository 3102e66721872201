package runner

import (
	"fmt"
	"github.com/mmpoison/mmpoison/experiments"
	"math"
	"os"
	"path/filepath"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
)

// runJob poisons the training data, optionally filters it, trains the
// poisoned model from the clean one, optionally fine-tunes it on clean data,
// and measures it.
func (r *Runner) runJob(j Job) ([]experiments.Result, error) {
	c := r.Config
	ds := r.prep.Data
	goals := make([]experiments.Goal, len(j.Attack.Goals))
	for i, s := range j.Attack.Goals {
		g, err := experiments.ParseGoal(s)
		if err != nil {
			return nil, err
		}
		goals[i] = g
	}
	att := j.Attack.attack()
	var target *dataset.Row
	if att.NeedsTarget {
		var err error
		if target, err = r.chooseTarget(att.TargetClass(goals[0]), j.Attack.Target); err != nil {
			return nil, err
		}
	}
	spec := experiments.AttackSpec{Kind: j.Attack.Kind, Goals: goals, Ratio: j.Ratio, Seed: j.Seed,
		Append: j.Attack.Append, DropUsedTargets: j.Attack.DropUsedTargets, Target: j.Attack.Target}
	if att.Templated {
		spec.Templates = r.templates(j.Attack)
	}
	if att.NeedsImages {
		spec.Trigger, spec.Image = *j.Attack.Trigger, r.cachedImage
		if spec.Trigger.Pattern == experiments.PatternOptimized {
			var err error
			if spec.Trigger, err = r.optimizeTrigger(spec.Trigger, goals[0], spec.Templates, j.Name, j.Seed); err != nil {
				return nil, err
			}
		}
	}
	poisoned, man, err := experiments.Poison(ds, spec, target)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(r.Out, "jobs", j.Name)
	images := r.prep.Images
	var bd *backdoorJob
	if att.NeedsImages {
		if bd, err = r.prepareBackdoor(poisoned, spec, dir, j.Seed); err != nil {
			return nil, err
		}
		defer bd.close()
		images = bd.images
	}
	if err := experiments.WriteJSONAtomic(filepath.Join(r.Out, "jobs", j.Name+".manifest.json"), man); err != nil {
		return nil, err
	}
	base := experiments.Result{Job: j.Name, Attack: j.Attack.Kind, Modality: j.Modality, Defense: j.Defense, Ratio: j.Ratio, Phi: man.Phi, Seed: j.Seed}
	r.logf("  poisoned %d images (%d pairs, phi = %.4f%%)", man.PoisonedImages, man.PoisonedPairs, 100*man.Phi)

	var results []experiments.Result
	train := poisoned
	defense, err := experiments.ResolveDefense(j.Defense, c.Filter.Mode)
	if err != nil {
		return nil, err
	}
	if defense.Stage == experiments.BeforeTraining {
		kept, fres, err := r.filter(poisoned, images, man, base, defense, filepath.Join(r.Out, "plots", "filter-"+j.Name))
		if err != nil {
			return nil, err
		}
		train, results = kept, append(results, fres...)
	}

	m, _, err := clipmodel.LoadModel(r.cleanPath())
	if err != nil {
		return nil, err
	}
	ex, err := clipmodel.MakeExamples(train, dataset.Train, images, r.prep.Tok, r.prep.Config.Text.ContextLength)
	if err != nil {
		return nil, err
	}
	opt := withSeed(c.Poison, j.Seed)
	if defense.Stage == experiments.DuringTraining {
		opt = withTrainingDefense(opt, defense, c.TrainDefense)
		if opt.Safe != nil {
			opt.Safe = r.recordSafeSplits(opt.Safe, train, ex, man, base, &results)
		}
	}
	opt.OutDir, opt.Log = filepath.Join(dir, "poison"), r.Log
	switch j.Modality {
	case "image": // visual poisoning: only the image tower learns
		opt.Freeze = "text"
	case "text": // linguistic poisoning: only the text tower learns
		opt.Freeze = "image"
	}
	measure := func(epoch int, m *clipmodel.Model) error {
		res, err := r.evaluate(m, j.Name, j, goals, target, bd, epoch)
		if err != nil {
			return err
		}
		for i := range res {
			res[i].Phi = man.Phi
		}
		results = append(results, res...)
		return nil
	}
	if c.EvalEveryEpoch {
		opt.OnEpoch = measure
	}
	if att.TargetOfSource { // epoch 0: the clean model on the same image, the targeted attack's "before"
		if err := measure(0, m); err != nil {
			return nil, err
		}
	}
	if err := r.stage("poison-train", func() error { _, err := clipmodel.Train(m, ex, images, opt); return err }); err != nil {
		return nil, err
	}
	if !c.EvalEveryEpoch {
		if err := measure(c.Poison.Epochs, m); err != nil {
			return nil, err
		}
	}
	if defense.Stage == experiments.AfterTraining {
		clean, err := clipmodel.MakeExamples(ds, dataset.Train, r.prep.Images, r.prep.Tok, r.prep.Config.Text.ContextLength)
		if err != nil {
			return nil, err
		}
		ft, err := finetuneOptions(c, defense, j.Seed+1)
		if err != nil {
			return nil, err
		}
		ft.OutDir, ft.Log = filepath.Join(dir, "finetune"), r.Log
		ft.OnEpoch = func(epoch int, m *clipmodel.Model) error { return measure(c.Poison.Epochs+epoch, m) }
		if err := r.stage("finetune", func() error { _, err := clipmodel.Train(m, clean, r.prep.Images, ft); return err }); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// finetuneOptions are the clean fine-tuning of an AfterTraining defense: the
// poison stage's settings for finetune.epochs (at finetune.lr if set), with
// the defense's in-modal terms.
func finetuneOptions(c *Config, defense *experiments.Defense, seed uint64) (clipmodel.TrainOptions, error) {
	ft := withSeed(c.Poison, seed)
	ft.Epochs = c.Finetune.Epochs
	if c.Finetune.LR > 0 {
		ft.LR = c.Finetune.LR
	}
	if o := defense.Objective; o != nil {
		ft.ViewLoss, ft.CaptionLoss, ft.CaptionAugment = o.ViewLoss, o.CaptionLoss, o.CaptionAugment
		if ft.NoAugment {
			return ft, fmt.Errorf("defense %s contrasts augmented copies of each image: set poison.no_augment to false", defense.Name)
		}
	}
	return ft, nil
}

// withTrainingDefense is the poison stage's training under a DuringTraining
// defense: RoCLIP's caption pool or SafeCLIP's safe split.
func withTrainingDefense(opt clipmodel.TrainOptions, d *experiments.Defense, s experiments.TrainingSettings) clipmodel.TrainOptions {
	ch := d.Training(s)
	if ch.PoolSize > 0 {
		opt.Pool = &clipmodel.CaptionPool{Size: ch.PoolSize, Every: ch.PoolEvery}
	}
	if ch.Split != nil {
		opt.Safe = &clipmodel.SafeSplit{WarmupEpochs: ch.WarmupEpochs, Split: ch.Split}
	}
	return opt
}

// recordSafeSplits wraps SafeCLIP's rule so that each epoch's split is
// measured against the manifest: the share of all pairs called safe, and
// the share of poisoned pairs called safe (the defense's leak).
func (r *Runner) recordSafeSplits(s *clipmodel.SafeSplit, ds *dataset.Dataset, ex *clipmodel.Examples, man *experiments.Manifest, base experiments.Result, results *[]experiments.Result) *clipmodel.SafeSplit {
	pairs := make([]dataset.Pair, ex.Len())
	for i := range pairs {
		pairs[i] = dataset.Pair{Row: ex.Row[i], Caption: ex.Caption[i]}
	}
	poisoned := experiments.PoisonedPairMask(ds, pairs, man)
	rule := s.Split
	return &clipmodel.SafeSplit{WarmupEpochs: s.WarmupEpochs, Split: func(epoch int, sim []float64) ([]bool, error) {
		safe, err := rule(epoch, sim)
		if err != nil || len(safe) != len(poisoned) {
			return safe, err
		}
		var nSafe, nPoisoned, leaked int
		for i, ok := range safe {
			if ok {
				nSafe++
			}
			if poisoned[i] {
				nPoisoned++
				if ok {
					leaked++
				}
			}
		}
		x := base
		x.Direction, x.Epoch = experiments.T2I, s.WarmupEpochs+epoch+1
		x.Metric, x.Value = "safe_share", float64(nSafe)/float64(len(safe))
		*results = append(*results, x)
		if nPoisoned > 0 {
			x.Metric, x.Value = "safe_poisoned_share", float64(leaked)/float64(nPoisoned)
			*results = append(*results, x)
		}
		return safe, nil
	}}
}

func (r *Runner) cleanPath() string {
	if r.Config.CleanCheckpoint != "" {
		return r.Config.CleanCheckpoint
	}
	return filepath.Join(r.Out, "clean", clipmodel.CheckpointFile)
}

// chooseTarget picks Attack I's x* among the class's test images, embedding
// them with the clean model when the centroid rule needs it.
func (r *Runner) chooseTarget(class string, spec experiments.TargetSpec) (*dataset.Row, error) {
	var emb *experiments.Matrix
	if spec.Mode == experiments.TargetCentroid {
		var err error
		if emb, err = EmbedTestImages(r.clean, r.prep.Data, r.prep.Images, class); err != nil {
			return nil, err
		}
	}
	return experiments.ChooseTarget(r.prep.Data, class, spec, emb)
}

// EmbedTestImages embeds class's test images, in TestRowsOf order, with m's
// image tower: the embeddings ChooseTarget's centroid rule takes.
func EmbedTestImages(m *clipmodel.Model, ds *dataset.Dataset, im *clipmodel.Images, class string) (*experiments.Matrix, error) {
	rows := experiments.TestRowsOf(ds, class)
	if len(rows) == 0 {
		return nil, fmt.Errorf("target: class %q has no test images in dataset %q", class, ds.Name)
	}
	slots := make([]int, len(rows))
	for k, i := range rows {
		s, ok := im.Slot(ds, &ds.Rows[i])
		if !ok {
			return nil, fmt.Errorf("attack I target: test image of row %d (class %s) is not readable", ds.Rows[i].ID, class)
		}
		slots[k] = s
	}
	e, err := m.EmbedImages(im.Cache, slots)
	if err != nil {
		return nil, err
	}
	mat, err := experiments.NewMatrix(len(rows), m.Config.EmbedDim, e)
	if err != nil {
		return nil, err
	}
	return &mat, nil
}

// filter is the pre-training defense: score every training pair by its
// cosine distance under the clean model and drop the most distant ones.
func (r *Runner) filter(ds *dataset.Dataset, images *clipmodel.Images, man *experiments.Manifest, base experiments.Result, defense *experiments.Defense, plotBase string) (*dataset.Dataset, []experiments.Result, error) {
	pairs := dataset.Pairs(ds, dataset.Train) // rows without an image are neither scored nor dropped
	slots := make([]int, len(pairs))
	captions := make([]string, len(pairs))
	for i, p := range pairs {
		row := &ds.Rows[p.Row]
		s, ok := images.Slot(ds, row)
		if !ok {
			return nil, nil, fmt.Errorf("filter: image of training row %d is not readable", row.ID)
		}
		slots[i], captions[i] = s, row.Captions[p.Caption]
	}
	e := r.clean.Config.EmbedDim
	imgE, err := r.clean.EmbedImages(images.Cache, slots)
	if err != nil {
		return nil, nil, err
	}
	txtE := r.clean.EmbedTexts(r.prep.Tok, captions)
	img, _ := experiments.NewMatrix(len(pairs), e, imgE)
	txt, _ := experiments.NewMatrix(len(pairs), e, txtE)
	dist, err := experiments.PairDistances(img, txt)
	if err != nil {
		return nil, nil, err
	}
	poisoned := experiments.PoisonedPairMask(ds, pairs, man)
	removed, gamma, err := defense.Drop(dist, poisoned, r.Config.Filter.FilterSettings, base.Seed)
	if err != nil {
		return nil, nil, err
	}
	precision, recall := experiments.FilterQuality(removed, poisoned)
	var cleanD, poisD []float64
	for i, d := range dist {
		if poisoned[i] {
			poisD = append(poisD, d)
		} else {
			cleanD = append(cleanD, d)
		}
	}
	if err := os.MkdirAll(filepath.Dir(plotBase), 0o755); err != nil {
		return nil, nil, err
	}
	if _, err := experiments.PlotDistanceHistogram(cleanD, poisD, gamma, plotBase); err != nil {
		return nil, nil, err
	}
	r.logf("  filter removed %d of %d pairs (precision %.3f, recall %.3f)", len(removed), len(pairs), precision, recall)
	kept, err := experiments.RemovePairs(ds, pairs, removed)
	if err != nil {
		return nil, nil, err
	}
	base.Direction = experiments.T2I
	mk := func(metric string, v float64) experiments.Result { x := base; x.Metric, x.Value = metric, v; return x }
	res := []experiments.Result{mk("filter_removed", float64(len(removed))), mk("filter_precision", precision), mk("filter_recall", recall),
		mk("clean_pair_dist_mean", meanOrNaN(cleanD)), mk("poisoned_pair_dist_mean", meanOrNaN(poisD))}
	if !math.IsNaN(gamma) {
		res = append(res, mk("filter_gamma", gamma))
	}
	return kept, res, nil
}

func meanOrNaN(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// evaluate measures a model: utility on the clean test split, and for each
// goal the attack metrics in both directions beside the random-caption
// baseline, or for a backdoor (bd) its success on the triggered test images
// beside the clean model's. For the clean model (goals nil) it measures every
// A2B goal of the grid, the "before" reference.
func (r *Runner) evaluate(m *clipmodel.Model, job string, j Job, goals []experiments.Goal, target *dataset.Row, bd *backdoorJob, epoch int) ([]experiments.Result, error) {
	se, err := m.EmbedSplit(r.prep.Data, dataset.Test, r.prep.Images, r.prep.Tok)
	if err != nil {
		return nil, fmt.Errorf("model of %s: %w", job, err)
	}
	img, _ := experiments.NewMatrix(len(se.Rows), se.Dim, se.Images)
	txt, _ := experiments.NewMatrix(len(se.Texts)/se.Dim, se.Dim, se.Texts)
	g, err := experiments.NewGallery(se.Rows, img, txt)
	if err != nil {
		return nil, err
	}
	base := experiments.Result{Job: job, Attack: j.Attack.Kind, Modality: j.Modality, Defense: j.Defense, Ratio: j.Ratio, Epoch: epoch, Seed: j.Seed}
	u, err := experiments.Utility(g)
	if err != nil {
		return nil, err
	}
	res := u.Results(base)
	if r.Config.ZeroShot {
		zs, err := r.zeroShot(m, se, img)
		if err != nil {
			return nil, err
		}
		x := base
		x.Direction, x.Metric, x.Value = experiments.I2T, experiments.MetricZeroShotAcc, zs
		res = append(res, x)
	}
	if r.cleanE != nil && m != r.clean {
		ci, _ := experiments.NewMatrix(len(r.cleanE.Rows), se.Dim, r.cleanE.Images)
		ct, _ := experiments.NewMatrix(len(r.cleanE.Texts)/se.Dim, se.Dim, r.cleanE.Texts)
		di, err1 := experiments.CosineDistance(ci, img)
		dt, err2 := experiments.CosineDistance(ct, txt)
		if err1 == nil && err2 == nil {
			x := base
			x.Direction = experiments.T2I
			x.Metric, x.Value = "embed_shift_image", di
			res = append(res, x)
			x.Metric, x.Value = "embed_shift_text", dt
			res = append(res, x)
		}
	}
	type goalEval struct {
		label   string
		goal    experiments.Goal
		targets []int
	}
	var evals []goalEval
	if bd != nil {
		b := base
		b.Goal = j.Attack.Trigger.Label() + ":" + goals[0].String()
		got, err := r.measureBackdoor(m, g, bd)
		if err != nil {
			return nil, err
		}
		return append(res, experiments.BackdoorResults(b, got, bd.clean)...), nil
	}
	if goals == nil { // clean model: every goal of the grid, A2B
		seen := map[string]bool{}
		for _, a := range r.Config.Attacks {
			if att := a.attack(); att.NeedsImages || att.TargetOfSource {
				continue // their jobs measure the clean model themselves
			}
			for _, s := range a.Goals {
				gl, err := experiments.ParseGoal(s)
				if err != nil || seen[gl.String()] {
					continue
				}
				seen[gl.String()] = true
				evals = append(evals, goalEval{gl.String(), gl, g.ImagesOf(gl.To)})
			}
		}
	} else {
		for i, gl := range goals {
			targets := g.ImagesOf(gl.To)
			if target != nil {
				k, ok := g.RowIndex(target.ID)
				if !ok {
					return nil, fmt.Errorf("attack I target row %d is not in the test gallery", target.ID)
				}
				targets = []int{k}
			}
			evals = append(evals, goalEval{experiments.GoalLabel(j.Attack.Kind, i, gl), gl, targets})
		}
	}
	for gi, ge := range evals {
		if len(ge.targets) == 0 {
			return nil, fmt.Errorf("goal %s: no test images of class %s", ge.goal, ge.goal.To)
		}
		b := base
		b.Goal = ge.label
		// The paper's attacks query with captions of A; the targeted attack
		// with captions of B, which should now retrieve its class-A image.
		queries := ge.goal.From
		if goals != nil && j.Attack.attack().TargetOfSource {
			queries = ge.goal.To
		}
		t2i, err := experiments.EvalT2I(g, queries, ge.targets, jobRNG(j.Seed, uint64(2*gi+1)))
		if err != nil {
			return nil, err
		}
		i2t, err := experiments.EvalI2T(g, queries, ge.targets, jobRNG(j.Seed, uint64(2*gi+2)))
		if err != nil {
			return nil, err
		}
		res = append(res, t2i.Results(b)...)
		res = append(res, i2t.Results(b)...)
		if goals != nil && j.Attack.attack().TargetOfSource {
			zs, err := r.targetedZeroShot(m, g, ge.targets[0], ge.goal.To)
			if err != nil {
				return nil, err
			}
			x := b
			x.Direction, x.Metric, x.Value = experiments.I2T, experiments.MetricTargetedZeroShot, zs
			res = append(res, x)
		}
	}
	return res, nil
}

// zeroShot classifies the test images (img, rows of se) among the dataset's
// classes by the model's embeddings of the config's prompts.
func (r *Runner) zeroShot(m *clipmodel.Model, se *clipmodel.SplitEmbeddings, img experiments.Matrix) (float64, error) {
	labels := make([]string, len(se.Rows))
	for i, row := range se.Rows {
		labels[i] = row.Label
	}
	embed := func(prompts []string) []float32 { return m.EmbedTexts(r.prep.Tok, prompts) }
	acc, err := experiments.ZeroShotAccuracy(embed, img, labels, r.prep.Data.Classes, r.Config.ZeroShotTemplates)
	if err != nil {
		return 0, fmt.Errorf("zero_shot on %s: %w (zero-shot needs labelled test images; turn zero_shot off for unlabelled data)", r.prep.Data.Name, err)
	}
	return acc, nil
}
