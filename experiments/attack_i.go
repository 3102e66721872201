package experiments

import "github.com/mmpoison/mmpoison/dataset"

// Attack I of the paper: every poisoned class-A row gets the one target
// image x*, so class-A captions retrieve x*.
func init() {
	RegisterAttack(&Attack{
		Kind:     AttackSingleImage,
		Summary:  "single target image: class-A captions are paired with one class-B image x*",
		MinGoals: 1, MaxGoals: 1, NeedsTarget: true,
		Poison: func(ds *dataset.Dataset, spec AttackSpec, target *dataset.Row) (*dataset.Dataset, *Manifest, error) {
			if err := checkTarget(target, spec.Goals[0]); err != nil {
				return nil, nil, err
			}
			return relabel(ds, spec, target, nil)
		},
	})
}
