package experiments

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MinRankGrid collects Attack II mean MinRank per A2B goal (modality both, no
// defense, each goal's last epoch; if a goal was run at several ratios, the
// largest). classes is the sorted union of the goals' classes and
// grid[i][j] the MinRank of classes[i]→classes[j], NaN when not measured.
func MinRankGrid(results []Result, direction string) (classes []string, grid [][]float64) {
	a := aggregateResults(results)
	best := map[Goal]runKey{}
	for _, k := range a.finalKeys(func(k runKey) bool {
		return k.Attack == AttackSingleLabel && k.Direction == direction && k.Modality == ModalityBoth && k.Defense == DefenseNone && a.has(k, MetricMinRankMean)
	}) {
		g, err := ParseGoal(k.Goal)
		if err != nil {
			continue
		}
		if prev, ok := best[g]; !ok || k.Ratio > prev.Ratio {
			best[g] = k
		}
	}
	set := map[string]bool{}
	for g := range best {
		set[g.From], set[g.To] = true, true
	}
	classes = sortedKeys(set)
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	grid = make([][]float64, len(classes))
	for i := range grid {
		grid[i] = make([]float64, len(classes))
		for j := range grid[i] {
			grid[i][j] = math.NaN()
		}
	}
	for g, k := range best {
		grid[index[g.From]][index[g.To]], _ = a.get(k, MetricMinRankMean)
	}
	return classes, grid
}

// classGrid adapts a square class×class matrix to plotter.GridXYZ: column j
// is target class j, and row i (source class i) is drawn top to bottom.
type classGrid [][]float64

func (g classGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g classGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g classGrid) X(c int) float64    { return float64(c) }
func (g classGrid) Y(r int) float64    { return float64(r) }

// PlotMinRankHeatmap draws MinRank over A2B goals (rows: class A of the
// captions, columns: target class B) with each cell's value written in it,
// and writes base.png and base.svg. Darker cells are stronger attacks.
func PlotMinRankHeatmap(classes []string, grid [][]float64, title, base string) ([]string, error) {
	n := len(classes)
	if n == 0 || len(grid) != n {
		return nil, fmt.Errorf("heat map %s: %d classes but %d grid rows", base, n, len(grid))
	}
	for i, row := range grid {
		if len(row) != n {
			return nil, fmt.Errorf("heat map %s: grid row %d has %d cells, want %d", base, i, len(row), n)
		}
	}
	cmap := moreland.SmoothBlueRed() // blue (low MinRank: a strong attack) to red (high)
	hm := plotter.NewHeatMap(classGrid(grid), cmap.Palette(64))
	hm.NaN = color.White // unmeasured goals (the diagonal): no colour the scale uses
	// The colour scale needs a non-empty range: with one distinct value (or
	// none) gonum would panic, so widen it around that value.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range grid {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	hm.Min, hm.Max = lo, hi
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	var labels plotter.XYLabels
	for i, row := range grid {
		for j, v := range row {
			if math.IsNaN(v) {
				continue
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
			labels.Labels = append(labels.Labels, strconv.FormatFloat(v, 'f', 1, 64))
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "target class B (images)"
	p.Y.Label.Text = "class A (captions)"
	p.Add(hm)
	if len(labels.Labels) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, fmt.Errorf("heat map %s: %w", base, err)
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(math.Max(5, math.Min(9, 120/float64(n))))
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		}
		p.Add(l)
	}
	var xt, yt []plot.Tick
	for i, c := range classes {
		xt = append(xt, plot.Tick{Value: float64(i), Label: c})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: c})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	// The colour bar goes in its own plot, in a strip right of the map.
	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	bar.HideX()
	bar.Y.Label.Text = "mean MinRank (lower: a stronger attack)"
	bar.Y.Padding = p.Y.Padding
	side := vg.Length(math.Max(12, 1.1*float64(n))) * vg.Centimeter
	// 2.2 cm: about 1.4 for the bar's label and ticks, 0.8 for the bar
	strip := 2.6 * vg.Centimeter
	return saveCanvas(side+strip, side, base, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, -strip, 0, 0))
		// the bar spans the map's height: above the class labels, under the title
		bar.Draw(draw.Crop(c, side+0.2*vg.Centimeter, -0.2*vg.Centimeter, 3.2*vg.Centimeter, -vg.Centimeter))
	})
}

// PlotDistanceHistogram draws the distributions of clean and poisoned pair
// distances (1 − cos, each normalised to fractions so the few poisoned pairs
// stay visible) on shared bins, with the filter threshold γ marked, and
// writes base.png and base.svg. A NaN gamma draws no threshold.
func PlotDistanceHistogram(clean, poisoned []float64, gamma float64, base string) ([]string, error) {
	if len(clean) == 0 && len(poisoned) == 0 {
		return nil, fmt.Errorf("histogram %s: no distances", base)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range append(append([]float64(nil), clean...), poisoned...) {
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	if !math.IsNaN(gamma) {
		lo, hi = math.Min(lo, gamma), math.Max(hi, gamma)
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.05, hi+0.05
	}
	const nBins = 40
	width := (hi - lo) / nBins
	p := plot.New()
	p.Title.Text = "Image-text distance of training pairs"
	p.X.Label.Text = "cosine distance 1 − cos"
	p.Y.Label.Text = "fraction of pairs"
	top := 0.0
	entries, tops := 0, []plotter.XY{} // the bars' tops, which the legend must not cover
	for i, part := range []struct {
		name string
		d    []float64
	}{{"clean", clean}, {"poisoned", poisoned}} {
		if len(part.d) == 0 {
			continue
		}
		bins := make([]plotter.HistogramBin, nBins)
		for b := range bins {
			bins[b].Min, bins[b].Max = lo+float64(b)*width, lo+float64(b+1)*width
		}
		for _, d := range part.d {
			b := min(nBins-1, max(0, int((d-lo)/width)))
			bins[b].Weight += 1 / float64(len(part.d))
		}
		for _, b := range bins {
			top = math.Max(top, b.Weight)
			tops = append(tops, plotter.XY{X: (b.Min + b.Max) / 2, Y: b.Weight})
		}
		entries++
		c := seriesColor(i).(color.RGBA)
		h := &plotter.Histogram{Bins: bins, Width: width, FillColor: color.NRGBA{c.R, c.G, c.B, 110}, LineStyle: plotter.DefaultLineStyle}
		h.LineStyle.Color = c
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (%d)", part.name, len(part.d)), h)
	}
	if !math.IsNaN(gamma) {
		line, err := plotter.NewLine(plotter.XYs{{X: gamma, Y: 0}, {X: gamma, Y: top * 1.05}})
		if err != nil {
			return nil, fmt.Errorf("histogram %s: %w", base, err)
		}
		line.Color = color.Black
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add("γ = "+strconv.FormatFloat(gamma, 'f', 3, 64), line)
		entries++
	}
	placeLegend(p, entries, tops, 12*vg.Centimeter)
	return savePlot(p, 20*vg.Centimeter, 12*vg.Centimeter, base)
}
