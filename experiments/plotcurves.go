package experiments

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// X axes of PlotCurves.
const (
	XRatio = "ratio" // fraction of class A poisoned
	XPhi   = "phi"   // poisoning rate φ
	XEpoch = "epoch"
)

// CurveSpec selects what PlotCurves draws.
type CurveSpec struct {
	Attack, Direction string   // which results (modality both, no defense)
	X                 string   // XRatio, XPhi or XEpoch
	Metrics           []string // one line per goal (and ratio, for epochs) and metric
	KeepWithGoals     []string // the metrics drawn when there are several goals; nil: all
	Title, YLabel     string
}

// PlotCurves draws metrics against poisoning rate (each configuration's last
// epoch) or against epochs (one line per goal and ratio), averaged over
// seeds, and writes base.png and base.svg. It returns the written paths, or
// none when the results hold fewer than two x values.
func PlotCurves(results []Result, spec CurveSpec, base string) ([]string, error) {
	a := aggregateResults(results)
	keep := func(k runKey) bool {
		return k.Attack == spec.Attack && k.Direction == spec.Direction && k.Modality == ModalityBoth && k.Defense == DefenseNone
	}
	var keys []runKey
	switch spec.X {
	case XRatio, XPhi:
		keys = a.finalKeys(keep)
	case XEpoch:
		keys = a.allKeys(keep)
	default:
		return nil, fmt.Errorf("plot %s: unknown x axis %q: want ratio, phi or epoch", base, spec.X)
	}
	type series struct {
		name     string
		colour   int  // shared by an attack line and its baseline
		baseline bool // drawn dashed
		pts      plotter.XYs
	}
	// Epoch curves take each goal at its largest ratio, the paper's way; the
	// ratio plot has the others.
	top := map[string]float64{}
	for _, k := range keys {
		top[k.Goal] = math.Max(top[k.Goal], k.Ratio)
	}
	metrics := spec.Metrics
	if len(top) > 1 && len(spec.KeepWithGoals) > 0 { // several goals: only the lines that matter most
		metrics = spec.KeepWithGoals
	}
	var all []*series
	byName := map[string]*series{}
	colours := map[string]int{}
	xs := map[float64]bool{}
	var every []plotter.XY
	for _, k := range keys {
		x := float64(k.Epoch)
		label := k.Goal
		switch spec.X {
		case XRatio:
			x = k.Ratio
		case XPhi:
			x = 100 * a.phi[k].value()
		case XEpoch:
			if k.Ratio != top[k.Goal] {
				continue
			}
			label += " (ratio " + strconv.FormatFloat(k.Ratio, 'g', 3, 64) + ")"
		}
		for _, m := range metrics {
			v, n := a.get(k, m)
			if n == 0 || math.IsNaN(v) || math.IsNaN(x) { // e.g. a goal without queries: nothing to draw
				continue
			}
			attackMetric, isBaseline := strings.CutPrefix(m, MetricBaselinePrefix)
			name := label
			if len(metrics) > 1 || isBaseline {
				name += " " + metricLabel(attackMetric)
			}
			key := name
			if isBaseline {
				name += ", baseline"
			}
			s := byName[name]
			if s == nil {
				c, ok := colours[key]
				if !ok {
					c = len(colours)
					colours[key] = c
				}
				s = &series{name: name, colour: c, baseline: isBaseline}
				byName[name] = s
				all = append(all, s)
			}
			s.pts = append(s.pts, plotter.XY{X: x, Y: v})
			every = append(every, plotter.XY{X: x, Y: v})
			xs[x] = true
		}
	}
	if len(xs) < 2 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = spec.Title
	p.X.Label.Text = map[string]string{XRatio: "fraction of class A poisoned", XPhi: "poisoning rate φ (%)", XEpoch: "epoch"}[spec.X]
	p.Y.Label.Text = spec.YLabel
	p.Add(plotter.NewGrid())
	for _, s := range all {
		slices.SortFunc(s.pts, func(u, v plotter.XY) int { return cmp.Compare(u.X, v.X) })
		if err := addSeries(p, s.colour, s.baseline, s.name, s.pts); err != nil {
			return nil, fmt.Errorf("plot %s: %w", base, err)
		}
	}
	p.Y.Min = 0 // ranks and rates start at zero; a floating axis exaggerates gaps
	if spec.X == XEpoch {
		p.X.Tick.Marker = integerTicks{}
	} else if lo, hi := minMaxKey(xs); lo > 0 && hi/lo >= 4 {
		// rates spanning orders of magnitude: a log axis, ticked at the rates run
		p.X.Scale = plot.LogScale{}
		var ticks []plot.Tick
		for x := range xs {
			ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', 3, 64)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	placeLegend(p, len(all), every, 12*vg.Centimeter)
	return savePlot(p, 20*vg.Centimeter, 12*vg.Centimeter, base)
}

func minMaxKey(xs map[float64]bool) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// metricLabel is a metric's name on a plot.
func metricLabel(m string) string {
	switch m {
	case MetricMinRankMean:
		return "MinRank"
	case MetricASRZeroShot:
		return "ASR"
	}
	return strings.Replace(m, "hit@", "Hit@", 1)
}

// integerTicks marks whole numbers only (epochs), at most about ten.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// addSeries draws pts as a line with points in colour i, dashed for a
// baseline, and names it in the legend.
func addSeries(p *plot.Plot, i int, dashed bool, name string, pts plotter.XYs) error {
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color, points.Color = seriesColor(i), seriesColor(i)
	points.Shape = draw.CircleGlyph{}
	if dashed {
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		points.Shape = draw.RingGlyph{}
	}
	p.Add(line, points)
	p.Legend.Add(name, line, points)
	return nil
}

// WritePlots writes the standard plots of a results set into dir: Hit@K and
// MinRank against poisoning rate and against epochs for each attack and
// direction with enough points (and the backdoor's zero-shot ASR), and the A2B MinRank heat map when Attack II
// covers several goals. It returns the files written.
func WritePlots(dir string, results []Result) ([]string, error) {
	seen := map[[2]string]bool{}
	for _, r := range results {
		if r.Attack != AttackNone {
			seen[[2]string{r.Attack, r.Direction}] = true
		}
	}
	var written []string
	for _, ad := range sortedPairs(seen) {
		attack, dir2 := ad[0], ad[1]
		rate := XRatio // the paper's attacks poison a fraction of class A
		if attack == AttackBackdoor {
			rate = XPhi // the backdoor a share of all images
		}
		for _, x := range []string{rate, XEpoch} {
			for _, kind := range []struct {
				name, ylabel  string
				metrics, many []string
			}{
				{"hit", "Hit@K", []string{HitMetric(1), HitMetric(10), MetricBaselinePrefix + HitMetric(1), MetricBaselinePrefix + HitMetric(10)},
					[]string{HitMetric(10), MetricBaselinePrefix + HitMetric(10)}},
				{"minrank", "mean MinRank", []string{MetricMinRankMean, MetricBaselineMinRankMean}, nil},
				{"asr", "zero-shot ASR", []string{MetricASRZeroShot, MetricBaselinePrefix + MetricASRZeroShot}, nil},
			} {
				if kind.name == "asr" && (attack != AttackBackdoor || dir2 != I2T) {
					continue
				}
				base := filepath.Join(dir, fmt.Sprintf("%s_vs_%s_attack%s_%s", kind.name, x, attack, dir2))
				title := fmt.Sprintf("Attack %s, %s", attack, dirName(dir2))
				paths, err := PlotCurves(results, CurveSpec{Attack: attack, Direction: dir2, X: x, Metrics: kind.metrics, KeepWithGoals: kind.many, Title: title, YLabel: kind.ylabel}, base)
				if err != nil {
					return written, err
				}
				written = append(written, paths...)
			}
		}
	}
	for _, dir2 := range []string{T2I, I2T} {
		classes, grid := MinRankGrid(results, dir2)
		cells := 0
		for _, row := range grid {
			for _, v := range row {
				if !math.IsNaN(v) {
					cells++
				}
			}
		}
		if cells < 2 { // one goal is a number, not a map
			continue
		}
		paths, err := PlotMinRankHeatmap(classes, grid, "A2B MinRank, "+dirName(dir2), filepath.Join(dir, "minrank_heatmap_"+dir2))
		if err != nil {
			return written, err
		}
		written = append(written, paths...)
	}
	return written, nil
}

func sortedPairs(m map[[2]string]bool) [][2]string {
	out := make([][2]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(attackOrder(a[0]), attackOrder(b[0])), cmp.Compare(a[1], b[1]))
	})
	return out
}
