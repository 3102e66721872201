package experiments

import "github.com/mmpoison/mmpoison/dataset"

// Attack III of the paper: Attack II on several goals with disjoint classes
// at once.
func init() {
	RegisterAttack(&Attack{
		Kind:     AttackMultiLabel,
		Summary:  "multiple target labels: Attack II on several disjoint A2B goals at once",
		MinGoals: 2,
		Poison: func(ds *dataset.Dataset, spec AttackSpec, _ *dataset.Row) (*dataset.Dataset, *Manifest, error) {
			return relabel(ds, spec, nil, classImages)
		},
	})
}
