package clipmodel

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/internal/progress"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// TrainOptions are the settings of one training run. The zero value of a
// field means its default (see withDefaults).
type TrainOptions struct {
	Epochs      int     `json:"epochs"`
	BatchSize   int     `json:"batch_size"`
	LR          float64 `json:"lr"`
	MinLR       float64 `json:"min_lr"`
	WarmupSteps int     `json:"warmup_steps"`
	WeightDecay float64 `json:"weight_decay"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	ClipNorm    float64 `json:"clip_norm"`            // 0: no clipping
	Freeze      string  `json:"freeze,omitempty"`     // "", "image" or "text": that tower is not trained
	NoAugment   bool    `json:"no_augment,omitempty"` // no augmentation at all
	CropScale   float64 `json:"crop_scale,omitempty"` // smallest area fraction of the random resized crop; 0: the paper's 0.9
	Flip        bool    `json:"flip,omitempty"`       // random horizontal flips
	Jitter      float64 `json:"jitter,omitempty"`     // colour jitter strength (brightness, contrast, saturation), 0: none
	// Captions chooses an epoch's pairs: "all" (default) takes every
	// caption of every image once; "one" takes each image once, with one
	// of its captions drawn afresh each epoch, so no batch holds an image twice.
	Captions string `json:"captions,omitempty"`
	// ScheduleEpochs > Epochs stretches the learning-rate schedule over
	// that many epochs and stops at Epochs, so the run ends on a raised
	// rate, not the floor: a truncated cosine. With EMA the average then
	// spans iterates that still move, which on Flickr8k generalises better
	// than the settled end of a full cosine. 0 is Epochs.
	ScheduleEpochs int `json:"schedule_epochs,omitempty"`
	// ViewLoss > 0 draws two augmented views of each image per step and
	// adds this weight times their InfoNCE (see Model.TwoViewLoss); the
	// image tower then does twice the work per pair.
	ViewLoss float64 `json:"view_loss,omitempty"`
	// CaptionLoss > 0 pairs each image's second view with a second caption
	// of the same image, different from the first where the image has more
	// than one, and adds this weight times the two captions' InfoNCE (the
	// text side of ViewLoss). It implies two views.
	CaptionLoss float64 `json:"caption_loss,omitempty"`
	// CaptionAugment is where the second caption comes from: "" or "other"
	// (another caption of the image), or "eda" (an EDA copy of the first:
	// CleanCLIP's text augmentation; see text.EDA).
	CaptionAugment string `json:"caption_augment,omitempty"`
	// ViewAugment is how the second view is drawn: "" or "same" (as the
	// first), or "strong": SimCLR's colour distortion (vision.StrongViewAugment),
	// and then the second view meets only the first, not the captions,
	// whose colours it no longer shows (TwoViewWeights.ViewOnly).
	ViewAugment string `json:"view_augment,omitempty"`
	// SecondViewSize is the side in pixels of the second view; 0 is the
	// model's. A smaller one costs the tower less (SwAV's multi-crop) and
	// needs a tower that takes any size (basic_resnet).
	SecondViewSize int `json:"second_view_size,omitempty"`
	// EMA > 0 keeps an exponential moving average of the weights with this
	// decay per step (0.998 averages over about 500 steps); the average is
	// what epoch evaluations see, checkpoints hold and training returns.
	EMA float64 `json:"ema,omitempty"`
	// Pool and Safe are the training-time defenses, RoCLIP's caption pool
	// and SafeCLIP's safe split (see train_defense.go); nil is off.
	Pool      *CaptionPool `json:"caption_pool,omitempty"`
	Safe      *SafeSplit   `json:"safe_split,omitempty"`
	Precision string       `json:"precision,omitempty"` // GEMM arithmetic: "fp32" (default) or "bf16"; weights and optimiser stay fp32
	Seed      uint64       `json:"seed"`

	// CheckpointEvery writes a checkpoint every that many steps (and always
	// at the end of each epoch) into OutDir; 0 means epoch ends only.
	CheckpointEvery int    `json:"checkpoint_every,omitempty"`
	OutDir          string `json:"-"` // checkpoints and metrics.jsonl; "" keeps nothing on disk
	Resume          bool   `json:"-"` // continue from OutDir's last checkpoint when there is one

	Log       io.Writer                       `json:"-"` // progress and messages; nil is silent
	OnEpoch   func(epoch int, m *Model) error `json:"-"` // called after each epoch (e.g. per-epoch attack metrics)
	StopAfter int                             `json:"-"` // testing: stop (as if killed) after this many steps
}

// DefaultTrainOptions are the settings of everything a run does not set:
// the flag defaults of the command line, and the fields an experiment
// config leaves out of a training stage. Epochs and Seed are not among them:
// each command and config names its own.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{BatchSize: 128, LR: 1e-3, MinLR: 1e-5, WarmupSteps: 50, WeightDecay: 0.1,
		Beta1: 0.9, Beta2: 0.98, Eps: 1e-6, ClipNorm: 1, CropScale: vision.TrainScaleLo, Captions: CaptionsAll, CaptionAugment: CaptionOther, ViewAugment: ViewSame}
}

// withDefaults fills the fields of a literal that cannot be zero (zero
// epochs train one); fields where zero means off (weight decay, clipping,
// warm-up, jitter, the in-modal terms) are left as given.
func (o TrainOptions) withDefaults() TrainOptions {
	d := DefaultTrainOptions()
	if o.Epochs == 0 {
		o.Epochs = 1
	}
	if o.BatchSize == 0 {
		o.BatchSize = d.BatchSize
	}
	if o.CropScale == 0 {
		o.CropScale = d.CropScale
	}
	if o.Captions == "" {
		o.Captions = d.Captions
	}
	for _, f := range []struct{ v, d *float64 }{{&o.LR, &d.LR}, {&o.Beta1, &d.Beta1}, {&o.Beta2, &d.Beta2}, {&o.Eps, &d.Eps}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	return o
}

// Caption sampling modes of TrainOptions.Captions.
const (
	CaptionsAll = "all"
	CaptionsOne = "one"
)

// Second-caption sources of TrainOptions.CaptionAugment.
const (
	CaptionOther = "other"
	CaptionEDA   = "eda"
)

// Second-view augmentations of TrainOptions.ViewAugment.
const (
	ViewSame   = "same"
	ViewStrong = "strong"
)

// edaAlpha is the share of a caption's tokens one EDA operation changes,
// EDA's recommended setting.
const edaAlpha = 0.1

// augment is the image augmentation the options ask for; nil means none.
func (o TrainOptions) augment() *vision.Augment {
	if o.NoAugment {
		return nil
	}
	return &vision.Augment{ScaleLo: o.CropScale, ScaleHi: vision.TrainScaleHi, Flip: o.Flip, Jitter: o.Jitter}
}

// scheduleEpochs is the length of the learning-rate schedule in epochs.
func (o TrainOptions) scheduleEpochs() int {
	return max(o.ScheduleEpochs, o.Epochs)
}

// secondViewAugment is the augmentation of the second view.
func (o TrainOptions) secondViewAugment() *vision.Augment {
	if o.ViewAugment == ViewStrong {
		a := vision.StrongViewAugment
		return &a
	}
	return o.augment()
}

// Validate reports the first option out of range, naming the option.
func (o TrainOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("epochs must be at least 1, got %d", o.Epochs)
	case o.ScheduleEpochs != 0 && o.ScheduleEpochs < o.Epochs:
		return fmt.Errorf("schedule epochs (%d) must be 0 or at least the %d epochs trained", o.ScheduleEpochs, o.Epochs)
	case o.BatchSize < 2:
		return fmt.Errorf("batch size must be at least 2 (a contrastive batch needs negatives), got %d", o.BatchSize)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("lr must be a positive number, got %g", o.LR)
	case !(o.CropScale > 0 && o.CropScale <= 1):
		return fmt.Errorf("crop scale must be in (0, 1], got %g", o.CropScale)
	case !(o.Jitter >= 0 && o.Jitter < 1):
		return fmt.Errorf("colour jitter must be in [0, 1), got %g", o.Jitter)
	case o.Captions != CaptionsAll && o.Captions != CaptionsOne:
		return fmt.Errorf("captions must be %q or %q, got %q", CaptionsAll, CaptionsOne, o.Captions)
	case !(o.ViewLoss >= 0) || math.IsInf(o.ViewLoss, 0):
		return fmt.Errorf("view loss weight must be a number >= 0, got %g", o.ViewLoss)
	case !(o.CaptionLoss >= 0) || math.IsInf(o.CaptionLoss, 0):
		return fmt.Errorf("caption loss weight must be a number >= 0, got %g", o.CaptionLoss)
	case o.CaptionAugment != "" && o.CaptionAugment != CaptionOther && o.CaptionAugment != CaptionEDA:
		return fmt.Errorf("caption augment must be %q or %q, got %q", CaptionOther, CaptionEDA, o.CaptionAugment)
	case o.ViewAugment != "" && o.ViewAugment != ViewSame && o.ViewAugment != ViewStrong:
		return fmt.Errorf("view augment must be %q or %q, got %q", ViewSame, ViewStrong, o.ViewAugment)
	case o.ViewAugment == ViewStrong && o.ViewLoss == 0:
		return fmt.Errorf("view augment %q shapes the second view of the view loss: set a view loss weight too", ViewStrong)
	case !(o.EMA >= 0 && o.EMA < 1):
		return fmt.Errorf("ema decay must be in [0, 1) (0: no weight average), got %g", o.EMA)
	case o.SecondViewSize < 0 || o.SecondViewSize > 1024:
		return fmt.Errorf("second view size must be 0 (the model's) or a side in pixels up to 1024, got %d", o.SecondViewSize)
	case o.SecondViewSize > 0 && o.ViewLoss == 0 && o.CaptionLoss == 0:
		return fmt.Errorf("second view size %d needs a second view: set a view or caption loss weight", o.SecondViewSize)
	case o.ViewLoss > 0 && o.NoAugment:
		return fmt.Errorf("a view loss needs augmentation: two views of an unaugmented image are identical")
	case o.Pool != nil && o.Safe != nil:
		return fmt.Errorf("caption pool (RoCLIP) and safe split (SafeCLIP) are two defenses: train with one")
	case (o.Pool != nil || o.Safe != nil) && (o.ViewLoss > 0 || o.CaptionLoss > 0):
		return fmt.Errorf("the training-time defenses bring their own losses: set view_loss and caption_loss to 0")
	case o.Pool != nil && (o.Pool.Size < 1 || o.Pool.Size > 1<<20):
		return fmt.Errorf("caption pool size must be between 1 and %d, got %d", 1<<20, o.Pool.Size)
	case o.Pool != nil && o.Pool.Every < 1:
		return fmt.Errorf("caption pool: every must be at least 1 (epochs between matchings), got %d", o.Pool.Every)
	case o.Safe != nil && o.Safe.Split == nil:
		return fmt.Errorf("safe split: no split rule given")
	case o.Safe != nil && (o.Safe.WarmupEpochs < 0 || o.Safe.WarmupEpochs >= o.Epochs):
		return fmt.Errorf("safe split: the warm-up (%d epochs) must leave at least one of the %d epochs for the split", o.Safe.WarmupEpochs, o.Epochs)
	case o.Safe != nil && o.NoAugment:
		return fmt.Errorf("safe split trains risky pairs on two views of each image: turn augmentation on")
	}
	if _, err := autograd.ParsePrecision(o.Precision); err != nil {
		return err
	}
	return nil
}

// epochOrder lists the pairs of one epoch in training order, a pure
// function of (seed, epoch) so that a resumed run sees the same batches.
func epochOrder(data *Examples, opt TrainOptions, epoch int, groups [][]int) []int {
	var order []int
	if opt.Captions == CaptionsOne {
		pick := rand.New(rand.NewPCG(opt.Seed^0xc4, uint64(epoch)+1))
		for _, g := range groups {
			order = append(order, g[pick.IntN(len(g))])
		}
	} else {
		order = make([]int, data.Len())
		for i := range order {
			order[i] = i
		}
	}
	rand.New(rand.NewPCG(opt.Seed, uint64(epoch)+1)).Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	return order
}

// pairsByRow groups pair indices by dataset row (one image and its captions),
// rows in order of first appearance.
func pairsByRow(data *Examples) [][]int {
	at := map[int]int{}
	var groups [][]int
	for p, r := range data.Row {
		k, ok := at[r]
		if !ok {
			k = len(groups)
			at[r] = k
			groups = append(groups, nil)
		}
		groups[k] = append(groups[k], p)
	}
	return groups
}

// groupIndex maps each of n pairs to the index of its group.
func groupIndex(groups [][]int, n int) []int {
	of := make([]int, n)
	for k, g := range groups {
		for _, p := range g {
			of[p] = k
		}
	}
	return of
}

// otherCaption draws a pair of group g other than p, uniformly; p itself
// when it is the group's only pair.
func otherCaption(g []int, p int, rng *rand.Rand) int {
	if len(g) < 2 {
		return p
	}
	q := g[rng.IntN(len(g)-1)]
	if q == p {
		q = g[len(g)-1]
	}
	return q
}

// ErrStopped is returned when StopAfter ends a run early.
var ErrStopped = fmt.Errorf("training stopped early (StopAfter)")

// StepRecord is one line of metrics.jsonl.
type StepRecord struct {
	Step       int     `json:"step"`
	Epoch      int     `json:"epoch"`
	Loss       float64 `json:"loss"`
	LogitScale float64 `json:"logit_scale"`
	LR         float64 `json:"lr"`
	GradNorm   float64 `json:"grad_norm"`
	PairsPerS  float64 `json:"pairs_per_s"`
}

// TrainResult summarises a finished run.
type TrainResult struct {
	Steps     int
	FinalLoss float64
	Duration  time.Duration
}

// Checkpoint file names inside OutDir.
const (
	CheckpointFile = "checkpoint.safetensors"
	MetricsFile    = "metrics.jsonl"
)

// Train runs InfoNCE training of m on the pairs of data, whose images come
// from im. Given the same seed, options, thread count and SIMD level, the
// result is bit-identical whether or not the run was interrupted and resumed.
func Train(m *Model, data *Examples, im *Images, opt TrainOptions) (*TrainResult, error) {
	opt = opt.withDefaults()
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if data.Context != m.Config.Text.ContextLength {
		return nil, fmt.Errorf("train: examples tokenised to context %d, model expects %d", data.Context, m.Config.Text.ContextLength)
	}
	if im.Cache.Size() != m.Config.Vision.ImageSize {
		return nil, fmt.Errorf("train: image cache holds %dpx images, model expects %dpx", im.Cache.Size(), m.Config.Vision.ImageSize)
	}
	var groups [][]int
	perEpoch := data.Len()
	if opt.Captions == CaptionsOne || opt.CaptionLoss > 0 {
		groups = pairsByRow(data)
	}
	if opt.Captions == CaptionsOne {
		perEpoch = len(groups)
	}
	batch := min(opt.BatchSize, perEpoch)
	if batch < 2 {
		return nil, fmt.Errorf("train: need at least 2 pairs for a contrastive batch, have %d", perEpoch)
	}
	precision, err := autograd.ParsePrecision(opt.Precision)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	stepsPerEpoch := perEpoch / batch // the last incomplete batch is dropped, as open_clip does
	total := stepsPerEpoch * opt.Epochs

	switch opt.Freeze {
	case "":
	case "image":
		nn.Freeze(m.Visual, true)
		nn.SetTraining(m.Visual, false) // a frozen tower keeps its batch-norm statistics too
	case "text":
		nn.Freeze(m.Text, true)
	default:
		return nil, fmt.Errorf("train: freeze must be \"\", \"image\" or \"text\", got %q", opt.Freeze)
	}
	defer func() {
		nn.Freeze(m, false)
		nn.SetTraining(m, true)
	}()

	var trainable []nn.Named
	for _, p := range nn.NamedParams(m) {
		if p.Tensor.RequiresGrad() {
			trainable = append(trainable, p)
		}
	}
	optim, err := nn.NewAdamW(nn.SplitDecay(trainable, opt.WeightDecay), nn.AdamWConfig{LR: opt.LR, Beta1: opt.Beta1, Beta2: opt.Beta2, Eps: opt.Eps})
	if err != nil {
		return nil, err
	}
	sched := nn.CosineSchedule{Base: opt.LR, Min: opt.MinLR, Warmup: opt.WarmupSteps, Total: stepsPerEpoch * opt.scheduleEpochs()}
	params := nn.Tensors(trainable)
	var average *weightAverage
	if opt.EMA > 0 {
		average = newWeightAverage(m, opt.EMA)
	}

	state := TrainState{Seed: opt.Seed, Model: m.Config, Options: opt}
	ckptPath := ""
	var metrics *os.File
	if opt.OutDir != "" {
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return nil, err
		}
		ckptPath = filepath.Join(opt.OutDir, CheckpointFile)
		if opt.Resume && fileExists(ckptPath) {
			st, weights, optState, err := ReadCheckpoint(ckptPath)
			if err != nil {
				return nil, fmt.Errorf("resume: %w", err)
			}
			if st.Seed != opt.Seed {
				return nil, fmt.Errorf("resume: checkpoint %s was made with seed %d, this run has seed %d", ckptPath, st.Seed, opt.Seed)
			}
			if err := nn.LoadStateDict(m, weights, true); err != nil {
				return nil, fmt.Errorf("resume %s: %w", ckptPath, err)
			}
			if (st.Options.EMA > 0) != (opt.EMA > 0) {
				return nil, fmt.Errorf("resume: checkpoint %s was made with ema %g, this run has ema %g: a checkpoint's weights are the average only when it keeps one", ckptPath, st.Options.EMA, opt.EMA)
			}
			if average != nil {
				if err := average.resume(st, ckptPath); err != nil {
					return nil, err
				}
			}
			if err := optim.LoadStateDict(optState); err != nil {
				return nil, fmt.Errorf("resume %s: %w", ckptPath, err)
			}
			state.Step, state.Defense, state.Extra = st.Step, st.Defense, st.Extra
			logf(opt.Log, "resuming from %s at step %d of %d", ckptPath, st.Step, total)
		}
		if metrics, err = openMetrics(filepath.Join(opt.OutDir, MetricsFile), state.Step); err != nil {
			return nil, err
		}
		defer metrics.Close()
	}

	s := m.Config.Vision.ImageSize
	views, captions := 1, 1
	if opt.ViewLoss > 0 || opt.CaptionLoss > 0 || opt.Safe != nil {
		views = 2
	}
	def, err := newTrainDefense(m, data, opt, &state)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var sameRow []int // pair → the other pairs (captions) of its image
	if opt.CaptionLoss > 0 {
		captions = 2
		sameRow = groupIndex(groups, data.Len())
	}
	s2 := s // the second view's side
	if views == 2 && opt.SecondViewSize > 0 {
		s2 = opt.SecondViewSize
	}
	if s2 != s && m.Config.Vision.Type != "basic_resnet" {
		return nil, fmt.Errorf("train: a %dpx second view needs a tower that takes any image size (basic_resnet); %s takes %dpx only", s2, m.Config.Vision.Type, s)
	}
	perBatch, perBatch2 := batch*3*s*s, batch*3*s2*s2
	imgBuf := make([]float32, perBatch+(views-1)*perBatch2)
	if opt.Safe != nil { // room for the risky rows' augmented captions
		captions = 2
	}
	ids := make([]int, captions*batch*data.Context)
	eot := make([]int, captions*batch)
	if opt.Safe != nil {
		captions = 1 // the second captions are drawn by the safe step itself
	}
	slots := make([]int, batch)
	g := autograd.NewTape()
	g.SetPrecision(precision)
	g.SetReleaseData(true) // only the loss (read before Backward) is used: lowers the peak
	bar := progress.New(opt.Log, "train", total, 10*time.Second)
	start := time.Now()
	res := &TrainResult{}
	var order []int
	epochOrdered := -1
	aug, aug2 := opt.augment(), opt.secondViewAugment()

	for state.Step < total {
		epoch, pos := state.Step/stepsPerEpoch, state.Step%stepsPerEpoch
		if epoch != epochOrdered {
			order, epochOrdered = epochOrder(data, opt, epoch, groups), epoch
			if err := def.beginEpoch(m, data, im, epoch, opt.Log); err != nil {
				return nil, fmt.Errorf("train: epoch %d: %w", epoch+1, err)
			}
		}
		t0 := time.Now()
		pairs, safe := def.batch(order[pos*batch : (pos+1)*batch])
		for b := 0; b < batch; b++ {
			p := pairs[b]
			slots[b] = data.Slot[p]
			copy(ids[b*data.Context:(b+1)*data.Context], data.Tokens[p*data.Context:(p+1)*data.Context])
			eot[b] = data.EOT[p]
		}
		if captions == 2 {
			pick := rand.New(rand.NewPCG(opt.Seed^0xc5, uint64(state.Step)))
			for b := 0; b < batch; b++ {
				p, row := pairs[b], ids[(batch+b)*data.Context:(batch+b+1)*data.Context]
				if opt.CaptionAugment == CaptionEDA {
					copy(row, data.Tokens[p*data.Context:(p+1)*data.Context])
					eot[batch+b] = text.EDA(row, data.EOT[p], edaAlpha, pick)
					continue
				}
				q := otherCaption(groups[sameRow[p]], p, pick)
				copy(row, data.Tokens[q*data.Context:(q+1)*data.Context])
				eot[batch+b] = data.EOT[q]
			}
		}
		augRNG := rand.New(rand.NewPCG(opt.Seed^0xa06, uint64(state.Step)))
		if err := vision.FillBatch(imgBuf[:perBatch], im.Cache, slots, aug, augRNG); err != nil {
			return nil, err
		}
		if views == 2 {
			viewRNG := rand.New(rand.NewPCG(opt.Seed^0xa07, uint64(state.Step)))
			second := slots
			if opt.Safe != nil { // only the risky pairs' images have a second view
				second = slots[safe:]
			}
			if err := vision.FillBatchAt(imgBuf[perBatch:perBatch+len(second)*3*s2*s2], im.Cache, second, s2, aug2, viewRNG); err != nil {
				return nil, err
			}
		}
		var images, second *autograd.Tensor
		if s2 == s {
			images = autograd.New(imgBuf, views*batch, 3, s, s)
		} else {
			images, second = autograd.New(imgBuf[:perBatch], batch, 3, s, s), autograd.New(imgBuf[perBatch:], batch, 3, s2, s2)
		}

		risky := batch - safe
		if opt.Safe != nil {
			pick := rand.New(rand.NewPCG(opt.Seed^0xc6, uint64(state.Step)))
			for b := safe; b < batch; b++ { // the risky captions' EDA copies follow the batch's captions
				r := batch + b - safe
				row := ids[r*data.Context : (r+1)*data.Context]
				copy(row, ids[b*data.Context:(b+1)*data.Context])
				eot[r] = text.EDA(row, eot[b], edaAlpha, pick)
			}
			images, second = autograd.New(imgBuf[:perBatch], batch, 3, s, s), autograd.New(imgBuf[perBatch:perBatch+risky*3*s2*s2], risky, 3, s2, s2)
		}

		g.Reset()
		var loss *autograd.Tensor
		switch {
		case opt.Pool != nil:
			loss = m.poolLoss(g, def.pool, opt.Pool.matches(epoch), images, ids, eot)
		case opt.Safe != nil:
			loss = m.safeLoss(g, images, second, ids[:(batch+risky)*data.Context], eot[:batch+risky], safe)
		case views == 2:
			loss = m.TwoViewLoss(g, images, second, ids, eot, TwoViewWeights{View: float32(opt.ViewLoss), Caption: float32(opt.CaptionLoss), ViewOnly: opt.ViewAugment == ViewStrong})
		default:
			loss = m.Loss(g, images, ids, eot)
		}
		lossV := float64(loss.Item())
		if math.IsNaN(lossV) || math.IsInf(lossV, 0) {
			return nil, fmt.Errorf("train: loss became %v at step %d (lr %.3g): lower --lr, raise --warmup or check the data; the last checkpoint is intact", lossV, state.Step, optim.LR())
		}
		optim.ZeroGrad()
		g.Backward(loss)
		gradNorm := nn.ClipGradNorm(params, clipOrInf(opt.ClipNorm))
		if math.IsNaN(gradNorm) || math.IsInf(gradNorm, 0) {
			return nil, fmt.Errorf("train: gradient norm became %v at step %d: lower --lr or check the data", gradNorm, state.Step)
		}
		lr := sched.LR(state.Step)
		optim.SetLR(lr)
		optim.Step()
		g.Reset()
		state.Step++
		if average != nil {
			average.update(state.Step)
		}
		state.Epoch = state.Step / stepsPerEpoch

		rate := float64(batch) / time.Since(t0).Seconds()
		rec := StepRecord{Step: state.Step, Epoch: epoch, Loss: lossV, LogitScale: float64(m.LogitScale.Data[0]), LR: lr, GradNorm: gradNorm, PairsPerS: rate}
		if metrics != nil {
			line, _ := json.Marshal(rec)
			if _, err := metrics.Write(append(line, '\n')); err != nil {
				return nil, fmt.Errorf("train: writing %s: %w", metrics.Name(), err)
			}
		}
		bar.Update(state.Step, fmt.Sprintf("epoch %d loss %.4f scale %.2f lr %.2e %.0f pairs/s", epoch+1, lossV, math.Exp(rec.LogitScale), lr, rate))
		res.FinalLoss = lossV

		epochEnd := state.Step%stepsPerEpoch == 0
		saving := ckptPath != "" && (epochEnd || (opt.CheckpointEvery > 0 && state.Step%opt.CheckpointEvery == 0))
		if err := onAverage(average, epochEnd || saving || state.Step == total, func() error {
			if err := m.checkEmbeddings(im.Cache, slots, ids[:batch*data.Context], eot[:batch]); err != nil {
				return fmt.Errorf("train: at step %d (lr %.3g) %w; the last checkpoint is intact", state.Step, lr, err)
			}
			if saving {
				def.save(&state)
				if average != nil {
					average.save(&state)
				}
				if err := SaveCheckpoint(ckptPath, m, optim, state); err != nil {
					return fmt.Errorf("train: checkpoint: %w", err)
				}
			}
			if epochEnd && opt.OnEpoch != nil {
				return opt.OnEpoch(epoch+1, m)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if opt.StopAfter > 0 && state.Step >= opt.StopAfter && state.Step < total {
			return nil, ErrStopped
		}
	}
	if average != nil {
		average.swapIn() // the run's model is the average
	}
	res.Steps = state.Step
	res.Duration = time.Since(start)
	return res, nil
}

// onAverage runs do (the finite check, the checkpoint and the epoch
// callback) when due, on the weight average when the run keeps one: that
// is the model they check, save and measure. The live weights come back
// before training goes on.
func onAverage(average *weightAverage, due bool, do func() error) error {
	if !due {
		return nil
	}
	if average == nil {
		return do()
	}
	average.swapIn()
	defer average.swapOut()
	return do()
}

// checkEmbeddings embeds one batch and fails on NaN or Inf. A finite loss
// can hide a broken model (normalised NaN embeddings give logits of 0, and
// huge but finite weights overflow only in the forward pass), so no
// checkpoint is written and no model handed on without this check.
func (m *Model) checkEmbeddings(cache *vision.Cache, slots, ids, eot []int) error {
	if err := checkFinite("caption", m.EmbedTokens(ids, eot)); err != nil {
		return err
	}
	img, err := m.EmbedImages(cache, slots)
	if err != nil {
		return err
	}
	return checkFinite("image", img)
}

func clipOrInf(c float64) float64 {
	if c <= 0 {
		return math.Inf(1)
	}
	return c
}

// openMetrics opens metrics.jsonl for appending, first dropping records past
// step keep (steps a killed run took after its last checkpoint).
func openMetrics(path string, keep int) (*os.File, error) {
	if keep == 0 {
		return os.Create(path)
	}
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var kept []byte
	for _, line := range splitLines(old) {
		var r StepRecord
		if json.Unmarshal(line, &r) == nil && r.Step <= keep {
			kept = append(append(kept, line...), '\n')
		}
	}
	if err := os.WriteFile(path, kept, 0o644); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i > 0 {
			out = append(out, b[:i])
		}
		if i < len(b) {
			i++
		}
		b = b[i:]
	}
	return out
}

func logf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", a...)
	}
}
