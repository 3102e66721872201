package experiments

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestThePapersDefensesAreRegistered(t *testing.T) {
	want := []string{"cleanclip", "filter-auto", "filter-gamma", "filter-labelled", "filter-percent", "finetune", "none", "roclip", "safeclip"}
	if got := DefenseNames(); !slices.Equal(got, want) {
		t.Fatalf("defenses %v, want %v", got, want)
	}
	for name, stage := range map[string]DefenseStage{"none": NoDefense, "filter-percent": BeforeTraining, "finetune": AfterTraining, "cleanclip": AfterTraining,
		"roclip": DuringTraining, "safeclip": DuringTraining} {
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

// SafeCLIP's split keeps the upper of two clusters of similarities, and no
// more than its share of all pairs, the most similar first.
func TestSafeSplitSeparatesTwoClusters(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sim []float64
	for i := range 100 {
		if i%10 == 3 { // the poisoned tenth: low similarity
			sim = append(sim, 0.1+0.03*rng.NormFloat64())
		} else {
			sim = append(sim, 0.6+0.05*rng.NormFloat64())
		}
	}
	safe, err := SafeSplit(sim, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range safe {
		if ok == (i%10 == 3) {
			t.Errorf("share 1: pair %d (similarity %.3f) safe = %v", i, sim[i], ok)
		}
	}
	half, err := SafeSplit(sim, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	var kept []float64
	lowestKept, highestDropped := math.Inf(1), math.Inf(-1)
	for i, ok := range half {
		if ok {
			kept = append(kept, sim[i])
			lowestKept = math.Min(lowestKept, sim[i])
		} else {
			highestDropped = math.Max(highestDropped, sim[i])
		}
	}
	if len(kept) != 50 || lowestKept <= highestDropped {
		t.Errorf("share 0.5 kept %d pairs, lowest %.3f, highest dropped %.3f; want the top 50", len(kept), lowestKept, highestDropped)
	}
	if _, err := SafeSplit(sim, 0); err == nil {
		t.Error("share 0 accepted")
	}
	d, _ := LookupDefense("safeclip")
	ch := d.Training(TrainingSettings{})
	if ch.WarmupEpochs != 1 || ch.Split == nil {
		t.Fatalf("safeclip's defaults: %+v", ch)
	}
	grown, _ := ch.Split(4, sim) // 0.5 + 4·0.05 of the pairs
	if n := count(grown); n != 70 {
		t.Errorf("epoch 4 of the split keeps %d pairs, want 70", n)
	}
	r, _ := LookupDefense("roclip")
	if c := r.Training(TrainingSettings{PoolEvery: 3}); c.PoolSize != 256 || c.PoolEvery != 3 || c.Split != nil {
		t.Errorf("roclip with pool_every 3: %+v", c)
	}
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}
