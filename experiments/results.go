package experiments

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Values of Result.Modality (which towers trained) and Result.Defense.
const (
	ModalityBoth  = "both"
	ModalityImage = "image" // only the image tower trained (text frozen)
	ModalityText  = "text"  // only the text tower trained (image frozen)

	DefenseNone     = "none"
	DefenseFilter   = "filter"   // pre-training distance filter
	DefenseFinetune = "finetune" // post-training clean fine-tuning
)

// FilterModes are the filter's rules for choosing what to drop: "filter"
// in a config means filter-MODE for its filter.mode.
var FilterModes = []string{"gamma", "percent", "labelled", "auto"}

// ResolveDefense is the registered defense a config's name stands for:
// "filter" takes filter.mode's rule (mode), every other name itself.
func ResolveDefense(name, mode string) (*Defense, error) {
	if name == DefenseFilter {
		if !slices.Contains(FilterModes, mode) {
			return nil, fmt.Errorf("filter.mode: %q is not one of %s", mode, strings.Join(FilterModes, ", "))
		}
		name += "-" + mode
	}
	return LookupDefense(name)
}

// Result is one measured number in long format: one row of results.csv.
type Result struct {
	Job       string  `json:"job"`
	Attack    string  `json:"attack"`    // none, I, II, III
	Goal      string  `json:"goal"`      // e.g. boat2dog; "goal1:boat2dog" for attack III
	Direction string  `json:"direction"` // t2i, i2t
	Modality  string  `json:"modality"`  // both, image, text
	Defense   string  `json:"defense"`   // none, filter, finetune
	Ratio     float64 `json:"ratio"`
	Phi       float64 `json:"phi"`
	Epoch     int     `json:"epoch"`
	Seed      uint64  `json:"seed"`
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
}

// GoalLabel names goal i (0-based) of an attack in results: plain for I and
// II, "goalN:" prefixed for III so goal 1 and goal 2 stay apart.
func GoalLabel(attack string, i int, g Goal) string {
	if attack == AttackMultiLabel {
		return "goal" + strconv.Itoa(i+1) + ":" + g.String()
	}
	return g.String()
}

// Metric names.
const (
	MetricMinRankMean           = "minrank_mean"
	MetricMinRankMedian         = "minrank_median"
	MetricBaselinePrefix        = "baseline_"
	MetricIRPrefix              = "ir_r@"
	MetricTRPrefix              = "tr_r@"
	metricHitPrefix             = "hit@"
	MetricBaselineMinRankMean   = MetricBaselinePrefix + MetricMinRankMean
	MetricBaselineMinRankMedian = MetricBaselinePrefix + MetricMinRankMedian
)

// HitMetric names Hit@k, e.g. "hit@10".
func HitMetric(k int) string { return metricHitPrefix + strconv.Itoa(k) }

// MetricDefinitions gives each metric's one-line definition (in results.json).
func MetricDefinitions() map[string]string {
	d := map[string]string{
		MetricMinRankMean:           "mean over attack queries of min_rank: 0-based rank of the best target in the gallery sorted by cosine similarity, ties with non-targets counted against the target",
		MetricMinRankMedian:         "median over attack queries of min_rank",
		MetricBaselineMinRankMean:   "minrank_mean for as many random test captions (t2i queries, or i2t targets), same model and targets",
		MetricBaselineMinRankMedian: "minrank_median for the random-caption baseline",
	}
	for _, k := range HitKs {
		d[HitMetric(k)] = fmt.Sprintf("fraction of attack queries with min_rank < %d", k)
		d[MetricBaselinePrefix+HitMetric(k)] = fmt.Sprintf("hit@%d of the baseline: as many random test captions for the paper's attacks, the same trigger on the clean model for the backdoor", k)
	}
	for _, k := range RecallKs {
		d[MetricIRPrefix+strconv.Itoa(k)] = fmt.Sprintf("text→image Recall@%d on the clean test split: fraction of captions whose own image ranks < %d", k, k)
		d[MetricTRPrefix+strconv.Itoa(k)] = fmt.Sprintf("image→text Recall@%d on the clean test split: fraction of images with any own caption ranked < %d", k, k)
	}
	d[MetricASRZeroShot] = "backdoor attack success in zero-shot classification: the share of triggered test images outside the target class classified as the target (ties count as failures)"
	d[MetricBaselinePrefix+MetricASRZeroShot] = "asr_zeroshot of the same trigger on the clean model"
	d[MetricZeroShotAcc] = "zero-shot classification accuracy on the labelled test images: each image takes the class whose averaged, normalised prompt embedding is most cosine-similar (ties count as wrong)"
	return d
}

// Results turns an attack evaluation into Result rows; base supplies every
// field except Direction, Metric and Value.
func (e *AttackEval) Results(base Result) []Result {
	base.Direction = e.Direction
	var out []Result
	add := func(metric string, v float64) {
		r := base
		r.Metric, r.Value = metric, v
		out = append(out, r)
	}
	for _, part := range []struct {
		prefix string
		s      RankSummary
	}{{"", e.Attack}, {MetricBaselinePrefix, e.Baseline}} {
		for i, k := range HitKs {
			add(part.prefix+HitMetric(k), part.s.Hit[i])
		}
		add(part.prefix+MetricMinRankMean, part.s.Mean)
		add(part.prefix+MetricMinRankMedian, part.s.Median)
	}
	return out
}

// Results turns utility scores into Result rows: ir_r@K with direction t2i
// and tr_r@K with direction i2t; base supplies the other fields.
func (u *UtilityScores) Results(base Result) []Result {
	var out []Result
	for i, k := range RecallKs {
		ir, tr := base, base
		ir.Metric, ir.Value = MetricIRPrefix+strconv.Itoa(k), u.IR.Hit[i]
		tr.Metric, tr.Value = MetricTRPrefix+strconv.Itoa(k), u.TR.Hit[i]
		ir.Direction, tr.Direction = T2I, I2T
		out = append(out, ir, tr)
	}
	return out
}
