package experiments

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// On a 90/10 mixture of N(0.4, 0.05) and N(0.8, 0.05), EM recovers the
// components, and the boundary is where 0.9·N(x; 0.4) = 0.1·N(x; 0.8):
// x = 0.6 + 0.05² ln 9 / 0.4 ≈ 0.6137.
func TestFitMixture2RecoversTwoGaussians(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var x []float64
	var poisoned []bool
	for i := range 2000 {
		hi := i%10 == 0
		mu := 0.4
		if hi {
			mu = 0.8
		}
		x = append(x, mu+0.05*rng.NormFloat64())
		poisoned = append(poisoned, hi)
	}
	m, err := FitMixture2(x)
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.4f, want %.4f ± %g", what, got, want, tol)
		}
	}
	near("lower mean", m.Mean[0], 0.4, 0.01)
	near("upper mean", m.Mean[1], 0.8, 0.01)
	near("upper weight", m.Weight[1], 0.1, 0.02)
	near("lower std", m.Std[0], 0.05, 0.005)
	near("boundary", m.Threshold(), 0.6+0.05*0.05*math.Log(9)/0.4, 0.01)

	d, err := LookupDefense("filter-auto")
	if err != nil {
		t.Fatal(err)
	}
	removed, gamma, err := d.Drop(x, nil, FilterSettings{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	precision, recall := FilterQuality(removed, poisoned)
	if precision < 0.95 || recall < 0.95 {
		t.Errorf("filter-auto at γ %.3f: precision %.3f recall %.3f, want both ≥ 0.95", gamma, precision, recall)
	}
}

func TestFitMixture2RefusesWhatItCannotSplit(t *testing.T) {
	for name, x := range map[string][]float64{
		"too few":  {0.1, 0.2, 0.3},
		"constant": {0.5, 0.5, 0.5, 0.5, 0.5},
		"NaN":      {0.1, math.NaN(), 0.3, 0.4},
	} {
		if _, err := FitMixture2(x); err == nil || !strings.Contains(err.Error(), "mixture") {
			t.Errorf("%s: %v, want a mixture error", name, err)
		}
	}
}
