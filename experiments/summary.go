package experiments

import (
	"math"
	"slices"
)

// HitKs are the K of the paper's Hit@K.
var HitKs = []int{1, 5, 10, 20, 30, 50}

// RecallKs are the K of the utility Recall@K.
var RecallKs = []int{1, 5, 10}

// RankSummary summarises the min_rank of a set of queries.
type RankSummary struct {
	Hit    []float64 // Hit[i] = fraction of queries with min_rank < HitKs[i]
	Mean   float64
	Median float64 // mean of the two middle values for an even count
	Min    int
	Max    int
	Count  int
}

// Summarize computes Hit@K for HitKs and the min_rank statistics.
// An empty input gives Count 0 and NaN statistics.
func Summarize(ranks []int) RankSummary { return summarizeAt(ranks, HitKs) }

// HitAt returns the fraction of ranks below k.
func HitAt(ranks []int, k int) float64 {
	if len(ranks) == 0 {
		return math.NaN()
	}
	n := 0
	for _, r := range ranks {
		if r < k {
			n++
		}
	}
	return float64(n) / float64(len(ranks))
}

func summarizeAt(ranks []int, ks []int) RankSummary {
	s := RankSummary{Hit: make([]float64, len(ks)), Count: len(ranks)}
	for i, k := range ks {
		s.Hit[i] = HitAt(ranks, k)
	}
	if len(ranks) == 0 {
		s.Mean, s.Median = math.NaN(), math.NaN()
		return s
	}
	sorted := slices.Clone(ranks)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	sum := 0.0
	for _, r := range sorted {
		sum += float64(r)
	}
	s.Mean = sum / float64(len(sorted))
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		s.Median = float64(sorted[mid])
	} else {
		s.Median = float64(sorted[mid-1]+sorted[mid]) / 2
	}
	return s
}
