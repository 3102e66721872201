package experiments

import (
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

func TestFilterHelpers(t *testing.T) {
	dist := []float64{0.7, 0.75, 0.9, 0.86, 0.74, 0.8}
	poisoned := []bool{false, false, true, true, false, false}
	if got := FilterByThreshold(dist, 0.8); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("threshold 0.8 removes %v, want [2 3] (0.8 itself stays)", got)
	}
	top, err := FilterTopPercent(dist, 50) // round(3) largest: .9, .86, .8
	if err != nil || !slices.Equal(top, []int{2, 3, 5}) {
		t.Errorf("top 50%% = %v, %v; want [2 3 5]", top, err)
	}
	if _, err := FilterTopPercent(dist, 120); err == nil {
		t.Error("percent 120 accepted")
	}
	p, r := FilterQuality(top, poisoned)
	if p != 2.0/3 || r != 1 {
		t.Errorf("precision %v recall %v, want 2/3 and 1", p, r)
	}
	for _, crit := range []string{CriterionF1, CriterionAccuracy} {
		// Removing exactly {.86,.9} is perfect: γ is the midpoint of .8 and .86.
		gamma, score, err := ChooseGamma(dist, poisoned, crit)
		if err != nil || score != 1 || gamma < 0.8299 || gamma > 0.8301 {
			t.Errorf("%s: γ %v score %v err %v; want γ .83 score 1", crit, gamma, score, err)
		}
	}
	// Overlapping labels: distances .2(p) .5 .6(p) .9. Accuracy at γ=.75 removes
	// {.9}: 1 of 4 right... work it out: candidates .9(none): acc 2/4; .75: 1/4;
	// .55: {.6,.9} → tp1 fp1 fn1 tn1 = 2/4; .35: {.5,.6,.9} → 1/4; -.8 (all): 2/4.
	// Best 2/4, largest γ wins → .9 (remove nothing).
	gamma, score, _ := ChooseGamma([]float64{0.2, 0.5, 0.6, 0.9}, []bool{true, false, true, false}, CriterionAccuracy)
	if gamma != 0.9 || score != 0.5 {
		t.Errorf("accuracy ties: γ %v score %v, want .9 and .5", gamma, score)
	}
	if _, _, err := ChooseGamma(dist, poisoned[:2], CriterionF1); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, _, err := ChooseGamma(dist, poisoned, "auc"); err == nil {
		t.Error("unknown criterion accepted")
	}
}

func TestPairsAndRemoval(t *testing.T) {
	ds := tinyTrainSet()
	_, m, err := Poison(ds, AttackSpec{Kind: AttackSingleLabel, Goals: []Goal{{"a", "b"}}, Ratio: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pairs := dataset.Pairs(ds, dataset.Train)
	if len(pairs) != 27 || pairs[2] != (dataset.Pair{Row: 0, Caption: 2}) || pairs[3] != (dataset.Pair{Row: 1, Caption: 0}) {
		t.Fatalf("pairs: %d, %v %v", len(pairs), pairs[2], pairs[3])
	}
	mask := PoisonedPairMask(ds, pairs, m)
	n := 0
	for _, p := range mask {
		if p {
			n++
		}
	}
	if n != m.PoisonedPairs {
		t.Errorf("mask marks %d pairs, manifest says %d", n, m.PoisonedPairs)
	}
	before := snapshot(ds)
	// Remove both captions of row 1 (pairs 3,4) and one of row 0 (pair 0).
	out, err := RemovePairs(ds, pairs, []int{0, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != len(ds.Rows)-1 || out.Rows[1].ID != 2 || !slices.Equal(out.Rows[0].Captions, ds.Rows[0].Captions[1:]) {
		t.Errorf("removal result: %d rows, row0 captions %v", len(out.Rows), out.Rows[0].Captions)
	}
	if got := len(dataset.Pairs(out, dataset.Train)); got != 24 {
		t.Errorf("%d pairs left, want 24", got)
	}
	if !slices.EqualFunc(before, ds.Rows, func(a, b dataset.Row) bool { return slices.Equal(a.Captions, b.Captions) }) {
		t.Error("RemovePairs modified its input")
	}
	if _, err := RemovePairs(ds, pairs, []int{99}); err == nil {
		t.Error("out-of-range pair accepted")
	}
}
