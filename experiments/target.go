package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/dataset"
)

// TestRowsOf lists the positions in ds.Rows of class's test rows, in dataset
// order: the candidates for Attack I's x*. ChooseTarget's centroid mode wants
// one image embedding per entry, in this order.
func TestRowsOf(ds *dataset.Dataset, class string) []int {
	return rowsOf(ds, class, dataset.Test)
}

// ChooseTarget picks Attack I's target image x* of class `class`:
//   - TargetRow: the row with ID spec.RowID;
//   - TargetPath: the row whose Image equals spec.Path;
//   - TargetCentroid: among the class's test rows (TestRowsOf), the image whose
//     embedding has the highest cosine similarity to the mean of their
//     normalised embeddings (the paper's code picks this "class centre");
//     emb holds one embedding per candidate, from a clean model;
//   - TargetRandom: a seeded uniform choice among the class's test rows.
//
// The returned row is a copy.
func ChooseTarget(ds *dataset.Dataset, class string, spec TargetSpec, emb *Matrix) (*dataset.Row, error) {
	switch spec.Mode {
	case TargetRow:
		for _, r := range ds.Rows {
			if r.ID == spec.RowID {
				return &r, nil
			}
		}
		return nil, fmt.Errorf("target: dataset %q has no row with ID %d", ds.Name, spec.RowID)
	case TargetPath:
		for _, r := range ds.Rows {
			if spec.Path != "" && r.Image == spec.Path {
				return &r, nil
			}
		}
		return nil, fmt.Errorf("target: dataset %q has no row with image %q", ds.Name, spec.Path)
	}
	cands := TestRowsOf(ds, class)
	if len(cands) == 0 {
		return nil, fmt.Errorf("target: class %q has no test images in dataset %q (known classes: %v)", class, ds.Name, knownClasses(ds))
	}
	switch spec.Mode {
	case TargetRandom:
		seed := seedOrDefault(spec.Seed)
		rng := rand.New(rand.NewPCG(seed, seed))
		r := ds.Rows[cands[rng.IntN(len(cands))]]
		return &r, nil
	case TargetCentroid:
		if emb == nil {
			return nil, fmt.Errorf("target: centroid mode needs image embeddings of the %d class-%q test images", len(cands), class)
		}
		if err := emb.check("target embeddings"); err != nil {
			return nil, err
		}
		if emb.Rows != len(cands) {
			return nil, fmt.Errorf("target: %d embeddings for %d class-%q test images; embed exactly TestRowsOf(ds, %q)", emb.Rows, len(cands), class, class)
		}
		r := ds.Rows[cands[nearestToCentroid(*emb)]]
		return &r, nil
	}
	return nil, fmt.Errorf("target: unknown mode %q: want row, path, centroid or random", spec.Mode)
}

// nearestToCentroid returns the row of emb with the highest cosine similarity
// to the mean of the L2-normalised rows; the first wins ties.
func nearestToCentroid(emb Matrix) int {
	centre := make([]float32, emb.Cols)
	for i := range emb.Rows {
		r := emb.Row(i)
		n := norm(r)
		if n == 0 {
			continue
		}
		for j, v := range r {
			centre[j] += float32(float64(v) / n)
		}
	}
	best, bestCos := 0, math.Inf(-1)
	for i := range emb.Rows {
		r := emb.Row(i)
		c := dot(r, centre) / norm(r)
		if c > bestCos {
			best, bestCos = i, c
		}
	}
	return best
}
