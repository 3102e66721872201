package experiments

import (
	"fmt"
	"math"
)

// UtilityScores are the standard retrieval metrics on a clean test split.
// IR (text→image): a caption hits if its own image is within the top K.
// TR (image→text): an image hits if any of its captions is within the top K.
// Hit holds Recall@K for RecallKs; ranks follow MinRanks' pessimistic ties.
type UtilityScores struct {
	IR, TR RankSummary
}

// Utility computes IR and TR Recall@1/5/10 and rank statistics. Images
// without captions are skipped as TR queries.
func Utility(g *Gallery) (*UtilityScores, error) {
	if len(g.CaptionRow) == 0 {
		return nil, fmt.Errorf("utility: gallery has no captions")
	}
	irTargets := make([][]int, len(g.CaptionRow))
	for c, row := range g.CaptionRow {
		irTargets[c] = []int{row}
	}
	ir, err := MinRanks(g.Texts, g.Images, irTargets)
	if err != nil {
		return nil, err
	}
	var trQueries []int
	var trTargets [][]int
	for i := range g.Rows {
		if caps := g.captionsOfRow(i); len(caps) > 0 {
			trQueries = append(trQueries, i)
			trTargets = append(trTargets, caps)
		}
	}
	tr, err := MinRanks(g.Images.SubRows(trQueries), g.Texts, trTargets)
	if err != nil {
		return nil, err
	}
	return &UtilityScores{IR: summarizeAt(ir, RecallKs), TR: summarizeAt(tr, RecallKs)}, nil
}

// PairDistances returns 1 − cos(img_i, txt_i) for every row pair, in [0, 2]
// (the pre-training filter's score). A zero vector gives distance 1.
func PairDistances(img, txt Matrix) ([]float64, error) {
	if err := img.check("image embeddings"); err != nil {
		return nil, err
	}
	if err := txt.check("text embeddings"); err != nil {
		return nil, err
	}
	if img.Rows != txt.Rows || img.Cols != txt.Cols {
		return nil, fmt.Errorf("pair distances: image embeddings are %d×%d, text %d×%d; want equal shapes", img.Rows, img.Cols, txt.Rows, txt.Cols)
	}
	out := make([]float64, img.Rows)
	for i := range out {
		a, b := img.Row(i), txt.Row(i)
		na, nb := norm(a), norm(b)
		cos := 0.0
		if na > 0 && nb > 0 {
			cos = math.Max(-1, math.Min(1, dot(a, b)/(na*nb)))
		}
		out[i] = 1 - cos
	}
	return out, nil
}

// CosineDistance is the mean of 1 − cos over row pairs of two equally shaped
// embedding sets, e.g. the same inputs under a clean and a poisoned model.
func CosineDistance(a, b Matrix) (float64, error) {
	d, err := PairDistances(a, b)
	if err != nil {
		return 0, fmt.Errorf("cosine distance: %w", err)
	}
	if len(d) == 0 {
		return 0, fmt.Errorf("cosine distance: no rows")
	}
	sum := 0.0
	for _, v := range d {
		sum += v
	}
	return sum / float64(len(d)), nil
}
