package experiments

import (
	"fmt"
	"math"
	"slices"
)

// Mixture2 is a two-component Gaussian mixture on the line; component 1 has
// the larger mean.
type Mixture2 struct {
	Weight, Mean, Std [2]float64
	Iterations        int
}

// FitMixture2 fits a two-component Gaussian mixture to x by EM, starting
// from the lower and upper quartiles so that the fit is deterministic.
// Standard deviations are kept above a floor so a component cannot collapse
// onto one point.
func FitMixture2(x []float64) (Mixture2, error) {
	if len(x) < 4 {
		return Mixture2{}, fmt.Errorf("mixture: need at least 4 values, got %d", len(x))
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Mixture2{}, fmt.Errorf("mixture: value %v is not finite", v)
		}
	}
	s := slices.Clone(x)
	slices.Sort(s)
	spread := s[len(s)-1] - s[0]
	if spread == 0 {
		return Mixture2{}, fmt.Errorf("mixture: all %d values are %v; there is nothing to split", len(x), s[0])
	}
	floor := 1e-3 * spread
	var m Mixture2
	m.Weight = [2]float64{0.5, 0.5}
	m.Mean = [2]float64{s[len(s)/4], s[3*len(s)/4]}
	sd := math.Max(stdDev(s)/2, floor)
	m.Std = [2]float64{sd, sd}
	resp := make([]float64, len(x)) // posterior of component 1
	prev := math.Inf(-1)
	for m.Iterations = 1; m.Iterations <= 500; m.Iterations++ {
		ll := 0.0
		for i, v := range x {
			p0, p1 := m.Weight[0]*normalPDF(v, m.Mean[0], m.Std[0]), m.Weight[1]*normalPDF(v, m.Mean[1], m.Std[1])
			tot := p0 + p1
			if tot == 0 { // far from both: the nearer mean takes it
				resp[i] = 0
				if math.Abs(v-m.Mean[1]) < math.Abs(v-m.Mean[0]) {
					resp[i] = 1
				}
				continue
			}
			resp[i] = p1 / tot
			ll += math.Log(tot)
		}
		for k := range 2 {
			var w, mu float64
			for i, v := range x {
				r := resp[i]
				if k == 0 {
					r = 1 - r
				}
				w += r
				mu += r * v
			}
			if w == 0 {
				return Mixture2{}, fmt.Errorf("mixture: component %d lost every value", k)
			}
			mu /= w
			var vr float64
			for i, v := range x {
				r := resp[i]
				if k == 0 {
					r = 1 - r
				}
				vr += r * (v - mu) * (v - mu)
			}
			m.Weight[k], m.Mean[k], m.Std[k] = w/float64(len(x)), mu, math.Max(math.Sqrt(vr/w), floor)
		}
		if ll-prev < 1e-10*math.Abs(ll) {
			break
		}
		prev = ll
	}
	if m.Mean[0] > m.Mean[1] {
		m.Weight[0], m.Weight[1] = m.Weight[1], m.Weight[0]
		m.Mean[0], m.Mean[1] = m.Mean[1], m.Mean[0]
		m.Std[0], m.Std[1] = m.Std[1], m.Std[0]
	}
	return m, nil
}

// Threshold is the point between the two means where the upper component
// becomes the likelier one: the decision boundary of the mixture.
func (m Mixture2) Threshold() float64 {
	lo, hi := m.Mean[0], m.Mean[1]
	upper := func(v float64) bool {
		return m.Weight[1]*normalPDF(v, m.Mean[1], m.Std[1]) >= m.Weight[0]*normalPDF(v, m.Mean[0], m.Std[0])
	}
	if upper(lo) { // the upper component dominates everywhere between: split at the lower mean
		return lo
	}
	if !upper(hi) {
		return hi
	}
	for range 100 { // bisection: upper(lo) is false, upper(hi) true
		mid := (lo + hi) / 2
		if upper(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

func normalPDF(x, mu, sd float64) float64 {
	z := (x - mu) / sd
	return math.Exp(-z*z/2) / (sd * math.Sqrt(2*math.Pi))
}

func stdDev(x []float64) float64 {
	var mu float64
	for _, v := range x {
		mu += v
	}
	mu /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - mu) * (v - mu)
	}
	return math.Sqrt(s / float64(len(x)))
}
