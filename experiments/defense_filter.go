package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The paper's pre-training defense: drop the training pairs whose image and
// caption lie far apart under the clean model, by one of three rules.
func init() {
	RegisterDefense(&Defense{
		Name: DefenseFilter + "-percent", Summary: "drop the filter.percent most distant pairs", Stage: BeforeTraining,
		Drop: func(dist []float64, _ []bool, s FilterSettings, _ uint64) ([]int, float64, error) {
			removed, err := FilterTopPercent(dist, s.Percent)
			return removed, math.NaN(), err
		},
	})
	RegisterDefense(&Defense{
		Name: DefenseFilter + "-gamma", Summary: "drop pairs farther apart than filter.gamma", Stage: BeforeTraining,
		Drop: func(dist []float64, _ []bool, s FilterSettings, _ uint64) ([]int, float64, error) {
			return FilterByThreshold(dist, s.Gamma), s.Gamma, nil
		},
	})
	RegisterDefense(&Defense{
		Name: DefenseFilter + "-auto", Summary: "drop pairs beyond the boundary of a two-Gaussian mixture fitted to the distances, with no labels", Stage: BeforeTraining,
		Drop: func(dist []float64, _ []bool, _ FilterSettings, _ uint64) ([]int, float64, error) {
			m, err := FitMixture2(dist)
			if err != nil {
				return nil, 0, fmt.Errorf("filter-auto: %w", err)
			}
			gamma := m.Threshold()
			return FilterByThreshold(dist, gamma), gamma, nil
		},
	})
	RegisterDefense(&Defense{
		Name: DefenseFilter + "-labelled", Summary: "choose γ on filter.labelled hand-labelled pairs, as the paper suggests", Stage: BeforeTraining,
		Drop: func(dist []float64, poisoned []bool, s FilterSettings, seed uint64) ([]int, float64, error) {
			// The defender labels a small random subset and picks γ on it.
			rng := rand.New(rand.NewPCG(seed, 0xf17e))
			idx := rng.Perm(len(dist))[:min(s.Labelled, len(dist))]
			sd, sp := make([]float64, len(idx)), make([]bool, len(idx))
			for k, i := range idx {
				sd[k], sp[k] = dist[i], poisoned[i]
			}
			gamma, _, err := ChooseGamma(sd, sp, "f1")
			if err != nil {
				return nil, 0, err
			}
			return FilterByThreshold(dist, gamma), gamma, nil
		},
	})
}
