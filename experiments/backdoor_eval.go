package experiments

import (
	"fmt"
	"math"
	"slices"
)

// MetricASRZeroShot is the backdoor's attack success rate in zero-shot
// classification: the share of triggered test images, their true class not
// the target, that the model classifies as the target. Recorded with
// direction i2t (images query class prompts); its clean-model value is
// baseline_asr_zeroshot.
const MetricASRZeroShot = "asr_zeroshot"

// BackdoorQueries lists the gallery images a backdoor is measured on: every
// test image whose class is not the target. Counting target-class images,
// which the model rightly calls the target without any trigger, would
// inflate the success rate.
func BackdoorQueries(g *Gallery, target string) []int {
	var out []int
	for i, r := range g.Rows {
		if r.Label != target {
			out = append(out, i)
		}
	}
	return out
}

// BackdoorRanks are one model's measurements of a backdoor, from the
// embeddings of triggered copies of the BackdoorQueries images.
type BackdoorRanks struct {
	// I2T[q] is the min_rank of a target-class caption among all test
	// captions when triggered image q queries them.
	I2T []int
	// T2I[c·n+q] is the rank triggered image q (of n) takes among the clean
	// test images when target-class caption c queries them: how many clean
	// images score at least as high. A clean model ranks it where it ranks
	// the untriggered image; a backdoored one puts it first.
	T2I []int
	// ZeroShot is MetricASRZeroShot, or NaN without class prototypes.
	ZeroShot float64
}

// MeasureBackdoor ranks the triggered images (one row per BackdoorQueries
// image, in that order) against g's captions and images for the target
// class. protos are the zero-shot class prototypes of classes
// (ClassPrototypes); with none, ZeroShot is NaN.
func MeasureBackdoor(g *Gallery, triggered Matrix, target string, classes []string, protos Matrix) (*BackdoorRanks, error) {
	if err := triggered.check("triggered image embeddings"); err != nil {
		return nil, err
	}
	if triggered.Cols != g.Images.Cols {
		return nil, fmt.Errorf("backdoor: triggered embeddings have %d dims, the gallery %d", triggered.Cols, g.Images.Cols)
	}
	if n := len(BackdoorQueries(g, target)); triggered.Rows != n {
		return nil, fmt.Errorf("backdoor: %d triggered images for the %d test images outside class %q", triggered.Rows, n, target)
	}
	captions := g.CaptionsOf(target)
	if len(captions) == 0 {
		return nil, fmt.Errorf("backdoor: target class %q has no test captions", target)
	}
	b := &BackdoorRanks{ZeroShot: math.NaN()}
	var err error
	if b.I2T, err = MinRanks(triggered, g.Texts, repeat(captions, triggered.Rows)); err != nil {
		return nil, err
	}
	b.T2I = make([]int, 0, len(captions)*triggered.Rows)
	scores := make([]float64, g.Images.Rows)
	for _, c := range captions {
		q := g.Texts.Row(c)
		for i := range scores {
			scores[i] = dot(q, g.Images.Row(i))
		}
		slices.Sort(scores)
		for k := 0; k < triggered.Rows; k++ {
			s := dot(q, triggered.Row(k))
			below, _ := slices.BinarySearch(scores, s) // clean images scoring < s
			b.T2I = append(b.T2I, len(scores)-below)
		}
	}
	if protos.Rows > 0 {
		labels := make([]string, triggered.Rows)
		for i := range labels {
			labels[i] = target
		}
		if b.ZeroShot, _, err = ZeroShotScore(triggered, labels, classes, protos); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// BackdoorResults are the rows of a backdoor measurement: Hit@K (the
// retrieval ASR) and MinRank both ways and the zero-shot ASR, each beside
// its baseline, the same trigger on the clean model.
func BackdoorResults(base Result, poisoned, clean *BackdoorRanks) []Result {
	var out []Result
	for _, d := range []struct {
		dir       string
		got, base []int
	}{{I2T, poisoned.I2T, clean.I2T}, {T2I, poisoned.T2I, clean.T2I}} {
		e := AttackEval{Direction: d.dir, Attack: Summarize(d.got), Baseline: Summarize(d.base), Ranks: d.got, BaselineRanks: d.base}
		out = append(out, e.Results(base)...)
	}
	if !math.IsNaN(poisoned.ZeroShot) {
		r := base
		r.Direction, r.Metric, r.Value = I2T, MetricASRZeroShot, poisoned.ZeroShot
		out = append(out, r)
		r.Metric, r.Value = MetricBaselinePrefix+MetricASRZeroShot, clean.ZeroShot
		out = append(out, r)
	}
	return out
}
