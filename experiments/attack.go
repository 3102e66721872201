package experiments

import (
	"fmt"
	"strings"

	"github.com/mmpoison/mmpoison/dataset"
)

// Attack is a poisoning attack under the kind a config names it by: how many
// A2B goals it takes, whether it needs a target image, and its poisoning
// step. Each attack is one file, attack_KIND.go (attack_later_KIND.go for
// those after the paper), that registers itself.
type Attack struct {
	Kind    string // e.g. "II"
	Summary string // one line for help texts
	// MinGoals and MaxGoals bound the number of goals (MaxGoals 0: no bound).
	MinGoals, MaxGoals int
	// NeedsTarget says the attack takes one target image x* (ChooseTarget),
	// a test image of the goal's class B, or of class A with TargetOfSource.
	NeedsTarget    bool
	TargetOfSource bool
	// NeedsImages says the attack changes pixels: it takes a trigger and an
	// image source (AttackSpec.Trigger, AttackSpec.Image).
	NeedsImages bool
	// Templated says the poisoned rows get template captions naming class B
	// (AttackSpec.Templates).
	Templated bool
	// Poison builds the poisoned training set from a spec already checked
	// against the rules above (see the package's Poison).
	Poison func(ds *dataset.Dataset, spec AttackSpec, target *dataset.Row) (*dataset.Dataset, *Manifest, error)
}

// attacks are in registration order, the reports' order: the files
// attack_*.go initialise in name order, the paper's first (attack_i,
// attack_ii, attack_iii), then those that came after it (attack_later_*).
var attacks []*Attack

// RegisterAttack makes a available by its kind. Registering a kind twice is
// a programming error and panics.
func RegisterAttack(a *Attack) {
	if _, err := LookupAttack(a.Kind); err == nil {
		panic("experiments: attack " + a.Kind + " registered twice")
	}
	attacks = append(attacks, a)
}

// LookupAttack returns the attack of a kind; the error lists the known kinds.
func LookupAttack(kind string) (*Attack, error) {
	for _, a := range attacks {
		if a.Kind == kind {
			return a, nil
		}
	}
	return nil, fmt.Errorf("unknown attack kind %q: want %s", kind, strings.Join(AttackKinds(), ", "))
}

// AttackKinds lists the registered kinds in order.
func AttackKinds() []string {
	kinds := make([]string, len(attacks))
	for i, a := range attacks {
		kinds[i] = a.Kind
	}
	return kinds
}

// TargetClass is the class whose test images the attack's target is chosen
// from.
func (a *Attack) TargetClass(g Goal) string {
	if a.TargetOfSource {
		return g.From
	}
	return g.To
}

// CheckGoalCount reports a goal list of n goals the attack cannot take.
func (a *Attack) CheckGoalCount(n int) error {
	switch {
	case a.MinGoals == 1 && a.MaxGoals == 1 && n != 1:
		return fmt.Errorf("attack %s: needs exactly one goal, got %d", a.Kind, n)
	case a.MaxGoals == a.MinGoals && n != a.MinGoals:
		return fmt.Errorf("attack %s: needs exactly %d goals, got %d", a.Kind, a.MinGoals, n)
	case n < a.MinGoals:
		return fmt.Errorf("attack %s: needs at least %d goals, got %d", a.Kind, a.MinGoals, n)
	case a.MaxGoals > 0 && n > a.MaxGoals:
		return fmt.Errorf("attack %s: takes at most %d goals, got %d", a.Kind, a.MaxGoals, n)
	}
	return nil
}
