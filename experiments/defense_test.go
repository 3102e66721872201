package experiments

import (
	"math"
	"slices"
	"testing"
)

func TestThePapersDefensesAreRegistered(t *testing.T) {
	want := []string{"cleanclip", "filter-auto", "filter-gamma", "filter-labelled", "filter-percent", "finetune", "none"}
	if got := DefenseNames(); !slices.Equal(got, want) {
		t.Fatalf("defenses %v, want %v", got, want)
	}
	for name, stage := range map[string]DefenseStage{"none": NoDefense, "filter-percent": BeforeTraining, "finetune": AfterTraining, "cleanclip": AfterTraining} {
		if d, err := LookupDefense(name); err != nil || d.Stage != stage {
			t.Errorf("%s: %+v, %v; want stage %v", name, d, err, stage)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("registering finetune twice did not panic")
		}
	}()
	RegisterDefense(&Defense{Name: DefenseFinetune})
}

// Each filter rule drops what its definition says: the most distant share,
// the pairs beyond γ, and beyond the γ chosen on a labelled sample, which
// with every pair labelled separates the poisoned pairs exactly.
func TestFilterRulesDrop(t *testing.T) {
	dist := []float64{0.1, 0.9, 0.2, 0.8, 0.3, 0.95, 0.15, 0.25, 0.05, 0.35}
	poisoned := []bool{false, true, false, true, false, true, false, false, false, false}
	s := FilterSettings{Percent: 20, Gamma: 0.5, Labelled: len(dist)}
	check := func(name string, want []int, gammaLo, gammaHi float64) {
		t.Helper()
		d, err := LookupDefense(name)
		if err != nil {
			t.Fatal(err)
		}
		removed, gamma, err := d.Drop(dist, poisoned, s, 42)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(removed, want) {
			t.Errorf("%s removed %v, want %v", name, removed, want)
		}
		if math.IsNaN(gammaLo) != math.IsNaN(gamma) || gamma < gammaLo || gamma > gammaHi {
			t.Errorf("%s threshold %v, want in [%v, %v]", name, gamma, gammaLo, gammaHi)
		}
	}
	check("filter-percent", []int{1, 5}, math.NaN(), math.NaN())
	check("filter-gamma", []int{1, 3, 5}, 0.5, 0.5)
	check("filter-labelled", []int{1, 3, 5}, 0.35, 0.8) // between the farthest clean pair and the nearest poisoned one
}
