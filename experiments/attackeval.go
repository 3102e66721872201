package experiments

import (
	"fmt"
	"math/rand/v2"
)

// Retrieval directions.
const (
	T2I = "t2i" // text queries, image gallery
	I2T = "i2t" // image queries, caption gallery
)

// AttackEval holds one direction's attack metrics and its random-caption
// baseline, measured on the same model and targets.
type AttackEval struct {
	Direction     string
	Attack        RankSummary
	Baseline      RankSummary
	Ranks         []int // min_rank per attack query
	BaselineRanks []int
}

// EvalT2I measures text→image poisoning: every test caption of class `from`
// queries the image gallery, and its targets are the gallery indices in
// `targets` (x* for Attack I, ImagesOf(B) for II and III). The baseline
// queries with as many random test captions (rng, without replacement),
// drawn from all captions except those of the target images, which describe
// the targets themselves; if fewer are available, all of them are used.
func EvalT2I(g *Gallery, from string, targets []int, rng *rand.Rand) (*AttackEval, error) {
	queries := g.CaptionsOf(from)
	if len(queries) == 0 {
		return nil, fmt.Errorf("eval t2i: class %q has no test captions", from)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("eval t2i %s: no target images", from)
	}
	excluded := map[int]bool{}
	for _, t := range targets {
		if t < 0 || t >= len(g.Rows) {
			return nil, fmt.Errorf("eval t2i %s: target %d outside gallery of %d images", from, t, len(g.Rows))
		}
		excluded[t] = true
	}
	var pool []int
	for c, row := range g.CaptionRow {
		if !excluded[row] {
			pool = append(pool, c)
		}
	}
	baseline := sampleWithout(rng, pool, len(queries))
	ev := &AttackEval{Direction: T2I}
	var err error
	if ev.Ranks, err = MinRanks(g.Texts.SubRows(queries), g.Images, repeat(targets, len(queries))); err != nil {
		return nil, err
	}
	if ev.BaselineRanks, err = MinRanks(g.Texts.SubRows(baseline), g.Images, repeat(targets, len(baseline))); err != nil {
		return nil, err
	}
	ev.Attack, ev.Baseline = Summarize(ev.Ranks), Summarize(ev.BaselineRanks)
	return ev, nil
}

// EvalI2T measures image→text poisoning: each gallery image in queryImages
// (ImagesOf(B), or x* for Attack I) queries all test captions, and its
// targets are the test captions of class `from`. The baseline replaces the
// targets by as many random test captions (rng, without replacement), drawn
// from all captions except those of the query images themselves.
func EvalI2T(g *Gallery, from string, queryImages []int, rng *rand.Rand) (*AttackEval, error) {
	targets := g.CaptionsOf(from)
	if len(targets) == 0 {
		return nil, fmt.Errorf("eval i2t: class %q has no test captions", from)
	}
	if len(queryImages) == 0 {
		return nil, fmt.Errorf("eval i2t %s: no query images", from)
	}
	excluded := map[int]bool{}
	for _, q := range queryImages {
		if q < 0 || q >= len(g.Rows) {
			return nil, fmt.Errorf("eval i2t %s: query image %d outside gallery of %d images", from, q, len(g.Rows))
		}
		excluded[q] = true
	}
	var pool []int
	for c, row := range g.CaptionRow {
		if !excluded[row] {
			pool = append(pool, c)
		}
	}
	baseline := sampleWithout(rng, pool, len(targets))
	if len(baseline) == 0 {
		return nil, fmt.Errorf("eval i2t %s: no captions left for the random baseline", from)
	}
	queries := g.Images.SubRows(queryImages)
	ev := &AttackEval{Direction: I2T}
	var err error
	if ev.Ranks, err = MinRanks(queries, g.Texts, repeat(targets, len(queryImages))); err != nil {
		return nil, err
	}
	if ev.BaselineRanks, err = MinRanks(queries, g.Texts, repeat(baseline, len(queryImages))); err != nil {
		return nil, err
	}
	ev.Attack, ev.Baseline = Summarize(ev.Ranks), Summarize(ev.BaselineRanks)
	return ev, nil
}

// sampleWithout draws min(n, len(pool)) distinct entries of pool.
func sampleWithout(rng *rand.Rand, pool []int, n int) []int {
	n = min(n, len(pool))
	out := make([]int, n)
	for i, p := range rng.Perm(len(pool))[:n] {
		out[i] = pool[p]
	}
	return out
}

func repeat(ts []int, n int) [][]int {
	out := make([][]int, n)
	for i := range out {
		out[i] = ts
	}
	return out
}
