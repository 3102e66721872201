package experiments

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mmpoison/mmpoison/dataset"
)

// PoisonedPairMask marks which pairs lie on rows the manifest lists as
// poisoned.
func PoisonedPairMask(ds *dataset.Dataset, pairs []dataset.Pair, m *Manifest) []bool {
	set := m.PoisonedSet()
	out := make([]bool, len(pairs))
	for i, p := range pairs {
		out[i] = set[ds.Rows[p.Row].ID]
	}
	return out
}

// FilterByThreshold returns the indices of pairs with distance > gamma, the
// pairs the paper's pre-training defense drops.
func FilterByThreshold(dist []float64, gamma float64) []int {
	var out []int
	for i, d := range dist {
		if d > gamma {
			out = append(out, i)
		}
	}
	return out
}

// FilterTopPercent returns the indices (ascending) of the round(p/100·n)
// pairs with the largest distance, p in [0,100]; among equal distances the
// earlier pair is removed first.
func FilterTopPercent(dist []float64, p float64) ([]int, error) {
	if !(p >= 0 && p <= 100) {
		return nil, fmt.Errorf("filter: percent %v outside [0,100]", p)
	}
	order := make([]int, len(dist))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return dist[order[a]] > dist[order[b]] })
	out := slices.Clone(order[:int(math.Round(p/100*float64(len(dist))))])
	slices.Sort(out)
	return out, nil
}

// Criteria for ChooseGamma.
const (
	CriterionF1       = "f1"       // F1 of "removed" against "poisoned"
	CriterionAccuracy = "accuracy" // fraction of pairs classified right
)

// ChooseGamma picks the threshold γ that maximises the criterion on a small
// labelled subset (distances and their true poisoned flags), as the paper
// suggests. Candidates are midpoints between consecutive distinct distances,
// plus one below the smallest (remove all) and the largest (remove none);
// among equally good candidates the largest γ (fewest removals) wins.
func ChooseGamma(dist []float64, poisoned []bool, criterion string) (gamma, score float64, err error) {
	if len(dist) == 0 || len(dist) != len(poisoned) {
		return 0, 0, fmt.Errorf("choose gamma: %d distances and %d labels; want the same non-zero number", len(dist), len(poisoned))
	}
	if criterion != CriterionF1 && criterion != CriterionAccuracy {
		return 0, 0, fmt.Errorf("choose gamma: unknown criterion %q: want f1 or accuracy", criterion)
	}
	vals := slices.Clone(dist)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	cands := []float64{vals[len(vals)-1]}
	for i := len(vals) - 1; i > 0; i-- {
		cands = append(cands, (vals[i-1]+vals[i])/2)
	}
	cands = append(cands, vals[0]-1)
	score = math.Inf(-1)
	for _, g := range cands {
		tp, fp, fn, tn := confusion(dist, poisoned, g)
		var s float64
		if criterion == CriterionF1 {
			if tp > 0 {
				s = 2 * float64(tp) / float64(2*tp+fp+fn)
			}
		} else {
			s = float64(tp+tn) / float64(len(dist))
		}
		if s > score {
			gamma, score = g, s
		}
	}
	return gamma, score, nil
}

func confusion(dist []float64, poisoned []bool, gamma float64) (tp, fp, fn, tn int) {
	for i, d := range dist {
		switch removed := d > gamma; {
		case removed && poisoned[i]:
			tp++
		case removed:
			fp++
		case poisoned[i]:
			fn++
		default:
			tn++
		}
	}
	return
}

// FilterQuality gives the precision (poisoned share of removed pairs) and
// recall (removed share of poisoned pairs) of a removal; each is 0 when its
// denominator is empty.
func FilterQuality(removed []int, poisoned []bool) (precision, recall float64) {
	tp, total := 0, 0
	for _, p := range poisoned {
		if p {
			total++
		}
	}
	for _, i := range removed {
		if i >= 0 && i < len(poisoned) && poisoned[i] {
			tp++
		}
	}
	if len(removed) > 0 {
		precision = float64(tp) / float64(len(removed))
	}
	if total > 0 {
		recall = float64(tp) / float64(total)
	}
	return precision, recall
}

// RemovePairs returns a copy of ds without the listed pairs (indices into
// pairs, from dataset.Pairs(ds, dataset.Train)); rows left without captions
// are dropped. The input is not modified.
func RemovePairs(ds *dataset.Dataset, pairs []dataset.Pair, removed []int) (*dataset.Dataset, error) {
	drop := map[dataset.Pair]bool{}
	for _, i := range removed {
		if i < 0 || i >= len(pairs) {
			return nil, fmt.Errorf("remove pairs: index %d outside %d pairs", i, len(pairs))
		}
		drop[pairs[i]] = true
	}
	out := &dataset.Dataset{Name: ds.Name, Root: ds.Root, Classes: ds.Classes}
	for i, r := range ds.Rows {
		kept := r.Captions
		if r.Split == dataset.Train {
			kept = nil
			for c, text := range r.Captions {
				if !drop[dataset.Pair{Row: i, Caption: c}] {
					kept = append(kept, text)
				}
			}
			if len(kept) == 0 && len(r.Captions) > 0 {
				continue
			}
		}
		r.Captions = kept
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}
