package experiments

import (
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// queryBlock is how many queries share one pass over the gallery: each
// gallery row is loaded once per block instead of once per query.
const queryBlock = 32

// MinRanks returns, for every query i, the 0-based rank of its best-ranked
// target when the gallery is sorted by similarity (dot product; pass
// L2-normalised embeddings for cosine) in descending order.
//
// Tie policy (pessimistic): a target tied with a non-target ranks after it.
// Precisely, the rank of target t is
//
//	#{non-targets j : s_j ≥ s_t} + #{targets u : s_u > s_t}
//
// and min_rank is its minimum over the targets. The minimum is reached at the
// target with the highest score, for which the second term is zero, so
// min_rank = #{non-targets j : s_j ≥ max_t s_t}. No sort is needed: one
// counting pass per query. A NaN score counts as -Inf: a NaN non-target never
// outranks a scored target, and a NaN target ranks after every non-target,
// so a model whose scores are all NaN gets the worst rank, never the best.
//
// targets[i] lists gallery row indices (duplicates allowed, must be
// non-empty). Work is split over the parallel worker pool by query blocks.
func MinRanks(queries, gallery Matrix, targets [][]int) ([]int, error) {
	if err := queries.check("queries"); err != nil {
		return nil, err
	}
	if err := gallery.check("gallery"); err != nil {
		return nil, err
	}
	if queries.Cols != gallery.Cols {
		return nil, fmt.Errorf("min rank: queries have %d dims, gallery %d", queries.Cols, gallery.Cols)
	}
	if len(targets) != queries.Rows {
		return nil, fmt.Errorf("min rank: %d target lists for %d queries", len(targets), queries.Rows)
	}
	for i, ts := range targets {
		if len(ts) == 0 {
			return nil, fmt.Errorf("min rank: query %d has no targets", i)
		}
		for _, t := range ts {
			if t < 0 || t >= gallery.Rows {
				return nil, fmt.Errorf("min rank: query %d target %d outside gallery of %d", i, t, gallery.Rows)
			}
		}
	}
	ranks := make([]int, queries.Rows)
	nBlocks := (queries.Rows + queryBlock - 1) / queryBlock
	parallel.For(nBlocks, 1, func(lo, hi int) {
		scores := make([]float64, queryBlock*gallery.Rows)
		isTarget := make([]bool, gallery.Rows)
		for b := lo; b < hi; b++ {
			q0, q1 := b*queryBlock, min((b+1)*queryBlock, queries.Rows)
			blockScores(queries, gallery, q0, q1, scores)
			for q := q0; q < q1; q++ {
				s := scores[(q-q0)*gallery.Rows : (q-q0+1)*gallery.Rows]
				ranks[q] = minRankOf(s, targets[q], isTarget)
			}
		}
	})
	return ranks, nil
}

// blockScores fills scores[(q-q0)·ng + j] = <query q, gallery j> for q in
// [q0,q1), gallery-major so each gallery row is reused across the block.
func blockScores(queries, gallery Matrix, q0, q1 int, scores []float64) {
	ng := gallery.Rows
	for j := range ng {
		g := gallery.Row(j)
		for q := q0; q < q1; q++ {
			scores[(q-q0)*ng+j] = dot(queries.Row(q), g)
		}
	}
}

// minRankOf applies the pessimistic rule to one query's scores. isTarget is
// scratch space of len(scores), all false on entry and on return.
func minRankOf(scores []float64, targets []int, isTarget []bool) int {
	best := math.Inf(-1)
	for _, t := range targets {
		isTarget[t] = true
		if scores[t] > best {
			best = scores[t]
		}
	}
	rank := 0
	for j, s := range scores {
		if !isTarget[j] && (s >= best || math.IsNaN(s) && math.IsInf(best, -1)) {
			rank++
		}
	}
	for _, t := range targets {
		isTarget[t] = false
	}
	return rank
}
