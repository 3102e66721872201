package experiments

import (
	"cmp"
	"math"
	"slices"
)

// runKey identifies one measured configuration; results of different seeds
// or jobs with the same key are averaged.
type runKey struct {
	Attack, Goal, Direction, Modality, Defense string
	Ratio                                      float64
	Epoch                                      int
}

type mean struct {
	sum, sumSq float64
	n          int
}

func (m *mean) add(v float64) { m.sum += v; m.sumSq += v * v; m.n++ }

// std is the sample standard deviation (n-1), NaN below two values.
func (m *mean) std() float64 {
	if m == nil || m.n < 2 {
		return nanValue
	}
	mu := m.sum / float64(m.n)
	return math.Sqrt(max(0, (m.sumSq-float64(m.n)*mu*mu)/float64(m.n-1)))
}
func (m *mean) value() float64 {
	if m == nil || m.n == 0 {
		return nanValue
	}
	return m.sum / float64(m.n)
}

// aggregate averages results over seeds and jobs, per configuration and
// metric.
type aggregate struct {
	vals map[runKey]map[string]*mean
	phi  map[runKey]*mean
}

func aggregateResults(results []Result) *aggregate {
	a := &aggregate{vals: map[runKey]map[string]*mean{}, phi: map[runKey]*mean{}}
	for _, r := range results {
		k := runKey{r.Attack, r.Goal, r.Direction, r.Modality, r.Defense, r.Ratio, r.Epoch}
		if a.vals[k] == nil {
			a.vals[k] = map[string]*mean{}
			a.phi[k] = &mean{}
		}
		m := a.vals[k][r.Metric]
		if m == nil {
			m = &mean{}
			a.vals[k][r.Metric] = m
		}
		m.add(r.Value)
		a.phi[k].add(r.Phi) // every metric row of a run carries the same φ
	}
	return a
}

// get returns the averaged metric and how many values it averages.
func (a *aggregate) get(k runKey, metric string) (float64, int) {
	m := a.vals[k][metric]
	if m == nil {
		return nanValue, 0
	}
	return m.value(), m.n
}

// spread formats a metric as "mean ± std" when it averages several seeds or
// jobs, and as the plain value otherwise.
func (a *aggregate) spread(k runKey, metric string) string {
	m := a.vals[k][metric]
	if m == nil || m.n < 2 {
		v, _ := a.get(k, metric)
		return fmtNum(v)
	}
	return fmtNum(m.value()) + " ± " + fmtNum(m.std())
}

func (a *aggregate) has(k runKey, metric string) bool { return a.vals[k][metric] != nil }

// finalKeys lists the keys accepted by keep, keeping for each configuration
// only its last epoch, in a stable order.
func (a *aggregate) finalKeys(keep func(runKey) bool) []runKey {
	last := map[runKey]runKey{}
	for k := range a.vals {
		if !keep(k) {
			continue
		}
		noEpoch := k
		noEpoch.Epoch = 0
		if prev, ok := last[noEpoch]; !ok || k.Epoch > prev.Epoch {
			last[noEpoch] = k
		}
	}
	keys := make([]runKey, 0, len(last))
	for _, k := range last {
		keys = append(keys, k)
	}
	sortKeys(keys)
	return keys
}

// allKeys lists every key accepted by keep, sorted.
func (a *aggregate) allKeys(keep func(runKey) bool) []runKey {
	var keys []runKey
	for k := range a.vals {
		if keep(k) {
			keys = append(keys, k)
		}
	}
	sortKeys(keys)
	return keys
}

func sortKeys(keys []runKey) {
	slices.SortFunc(keys, func(x, y runKey) int {
		return cmp.Or(cmp.Compare(attackOrder(x.Attack), attackOrder(y.Attack)),
			cmp.Compare(x.Goal, y.Goal), cmp.Compare(x.Direction, y.Direction),
			cmp.Compare(x.Modality, y.Modality), cmp.Compare(x.Defense, y.Defense),
			cmp.Compare(x.Ratio, y.Ratio), cmp.Compare(x.Epoch, y.Epoch))
	})
}

func attackOrder(a string) int {
	return slices.Index(append([]string{AttackNone}, AttackKinds()...), a)
}

// nanValue marks a missing or undefined number.
var nanValue = math.NaN()
