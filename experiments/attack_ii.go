package experiments

import "github.com/mmpoison/mmpoison/dataset"

// Attack II of the paper: poisoned class-A rows get class-B training
// images, so class-A captions retrieve class B (A2B).
func init() {
	RegisterAttack(&Attack{
		Kind:     AttackSingleLabel,
		Summary:  "single target label: class-A captions are paired with class-B images",
		MinGoals: 1, MaxGoals: 1,
		Poison: func(ds *dataset.Dataset, spec AttackSpec, _ *dataset.Row) (*dataset.Dataset, *Manifest, error) {
			return relabel(ds, spec, nil, classImages)
		},
	})
}
