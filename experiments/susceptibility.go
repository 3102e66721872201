package experiments

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// SusceptibilityPoint is one clean model of a quality ladder and what one
// attack did to it: a question none of the paper's anchors asks is how
// susceptibility depends on how good the clean model is.
type SusceptibilityPoint struct {
	Run              string  // the run folder (one clean model each)
	CleanIR, CleanTR float64 // the clean model's IR and TR R@10
	CleanHit         float64 // the clean model's Hit@10 for the goal, before any poisoning
	AttackHit        float64 // Hit@10 after the attack's last poisoned epoch
	Epoch            int     // that epoch
}

// Susceptibility reads one point from each run's results: the clean model's
// utility and goal Hit@10 (job "clean"), and the final text→image Hit@10 of
// the attack on goal at its largest ratio, both towers training, no
// defense. Runs are given as their folder name and results.
func Susceptibility(runs []string, results [][]Result, attack, goal string) ([]SusceptibilityPoint, error) {
	var pts []SusceptibilityPoint
	for i, rs := range results {
		p := SusceptibilityPoint{Run: runs[i], CleanIR: math.NaN(), CleanTR: math.NaN(), CleanHit: math.NaN(), AttackHit: math.NaN(), Epoch: -1}
		ratio := math.Inf(-1)
		for _, r := range rs {
			if r.Attack == attack && r.Goal == goal && r.Modality == ModalityBoth && r.Defense == DefenseNone && r.Direction == T2I && r.Metric == HitMetric(10) {
				ratio = max(ratio, r.Ratio)
			}
		}
		for _, r := range rs {
			switch {
			case r.Job == "clean" && r.Metric == MetricIRPrefix+"10" && r.Goal == "":
				p.CleanIR = r.Value
			case r.Job == "clean" && r.Metric == MetricTRPrefix+"10" && r.Goal == "":
				p.CleanTR = r.Value
			case r.Job == "clean" && r.Goal == goal && r.Direction == T2I && r.Metric == HitMetric(10):
				p.CleanHit = r.Value
			case r.Attack == attack && r.Goal == goal && r.Modality == ModalityBoth && r.Defense == DefenseNone &&
				r.Direction == T2I && r.Metric == HitMetric(10) && r.Ratio == ratio && r.Epoch > p.Epoch:
				p.AttackHit, p.Epoch = r.Value, r.Epoch
			}
		}
		var missing []string
		if math.IsNaN(p.CleanIR) || math.IsNaN(p.CleanTR) {
			missing = append(missing, "the clean model's R@10 (job clean)")
		}
		if math.IsNaN(p.CleanHit) {
			missing = append(missing, "the clean model's Hit@10 for "+goal)
		}
		if p.Epoch < 0 {
			missing = append(missing, fmt.Sprintf("an attack %s job on %s (both towers, no defense)", attack, goal))
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("susceptibility: run %s lacks %s", runs[i], strings.Join(missing, " and "))
		}
		pts = append(pts, p)
	}
	slices.SortStableFunc(pts, func(a, b SusceptibilityPoint) int { return cmp.Compare(a.CleanIR+a.CleanTR, b.CleanIR+b.CleanTR) })
	return pts, nil
}

// SusceptibilityTable is pts as a Markdown table, weakest clean model first.
func SusceptibilityTable(pts []SusceptibilityPoint) string {
	var b strings.Builder
	b.WriteString("| run | clean IR / TR R@10 | clean-model Hit@10 | after the attack | gain |\n|---|---|---|---|---|\n")
	for _, p := range pts {
		fmt.Fprintf(&b, "| %s | %.3f / %.3f | %.3f | %.3f (epoch %d) | %+.3f |\n", p.Run, p.CleanIR, p.CleanTR, p.CleanHit, p.AttackHit, p.Epoch, p.AttackHit-p.CleanHit)
	}
	return b.String()
}

// PlotSusceptibility draws Hit@10 before and after the attack against the
// clean model's mean R@10, and writes base.png and base.svg.
func PlotSusceptibility(pts []SusceptibilityPoint, title, base string) ([]string, error) {
	if len(pts) == 0 {
		return nil, fmt.Errorf("plot %s: no points", base)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "clean model: mean of IR and TR R@10"
	p.Y.Label.Text = "text→image Hit@10"
	p.Add(plotter.NewGrid())
	var every []plotter.XY
	for i, s := range []struct {
		name string
		y    func(SusceptibilityPoint) float64
	}{
		{"after the attack", func(q SusceptibilityPoint) float64 { return q.AttackHit }},
		{"clean model", func(q SusceptibilityPoint) float64 { return q.CleanHit }},
	} {
		xy := make(plotter.XYs, len(pts))
		for k, q := range pts {
			xy[k] = plotter.XY{X: (q.CleanIR + q.CleanTR) / 2, Y: s.y(q)}
		}
		if err := addSeries(p, i, i == 1, s.name, xy); err != nil {
			return nil, fmt.Errorf("plot %s: %w", base, err)
		}
		every = append(every, xy...)
	}
	p.Y.Min = 0
	placeLegend(p, 2, every, 10*vg.Centimeter)
	return savePlot(p, 16*vg.Centimeter, 10*vg.Centimeter, base)
}
