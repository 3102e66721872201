package experiments

import (
	"fmt"
	"math"
	"slices"
)

// SafeCLIP (Yang, Xu and Mirzasoleiman, ICML 2024): warm up with in-modal
// contrast alone, then each epoch fit a two-component Gaussian mixture to
// the pairs' image-caption similarities; the CLIP loss trains only the safe
// pairs and the in-modal terms the rest, and the safe set grows as training
// goes on. Defaults are SafeCLIP's code's: keep half the pairs at first
// (filter_ratio 0.5), growing by 5% an epoch (update_filter_ratio 0.05);
// one warm-up epoch is ours, for the runner's short poison stage.
func init() {
	RegisterDefense(&Defense{
		Name: "safeclip", Summary: "in-modal warm-up, then the CLIP loss on the pairs a mixture on their similarities calls safe, in-modal terms on the rest",
		Stage: DuringTraining,
		Training: func(s TrainingSettings) TrainingChange {
			start, grow := orFloat(s.SafeStart, 0.5), orFloat(s.SafeGrow, 0.05)
			return TrainingChange{WarmupEpochs: orInt(s.WarmupEpochs, 1), Split: func(epoch int, sim []float64) ([]bool, error) {
				return SafeSplit(sim, min(1, start+grow*float64(epoch)))
			}}
		},
	})
}

// SafeSplit marks safe the pairs that a two-Gaussian mixture fitted to
// their similarities sim puts in its upper component, keeping at most the
// share most similar of all pairs.
func SafeSplit(sim []float64, share float64) ([]bool, error) {
	if !(share > 0 && share <= 1) {
		return nil, fmt.Errorf("safe split: the safe share must be in (0, 1], got %v", share)
	}
	m, err := FitMixture2(sim)
	if err != nil {
		return nil, fmt.Errorf("safe split: %w", err)
	}
	cut := m.Threshold()
	sorted := slices.Clone(sim)
	slices.Sort(sorted)
	keep := int(math.Floor(share * float64(len(sim))))
	if keep < len(sim) { // at most keep pairs: above the keep-th largest (ties may leave fewer)
		cut = math.Max(cut, math.Nextafter(sorted[len(sim)-keep-1], math.Inf(1)))
	}
	safe := make([]bool, len(sim))
	for i, v := range sim {
		safe[i] = v >= cut
	}
	return safe, nil
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
