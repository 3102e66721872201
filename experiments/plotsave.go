package experiments

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotFormats are written for every plot.
var plotFormats = []string{"png", "svg"}

// savePlot writes p as base.png and base.svg atomically and returns the
// paths written.
func savePlot(p *plot.Plot, w, h vg.Length, base string) ([]string, error) {
	return saveCanvas(w, h, base, p.Draw)
}

// saveCanvas writes what draw draws on a w×h canvas as base.png and
// base.svg atomically, and returns the paths written.
func saveCanvas(w, h vg.Length, base string, drawOn func(draw.Canvas)) ([]string, error) {
	var paths []string
	for _, format := range plotFormats {
		c, err := draw.NewFormattedCanvas(w, h, format)
		if err != nil {
			return paths, fmt.Errorf("plot %s.%s: %w", base, format, err)
		}
		drawOn(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return paths, fmt.Errorf("plot %s.%s: %w", base, format, err)
		}
		path := base + "." + format
		if err := WriteFileAtomic(path, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// placeLegend puts p's legend of n entries inside the axes, in a band of
// headroom added above the data, on the side (left or right) where fewer of
// pts lie in the upper half: the legend then covers no data point. h is the
// canvas height.
func placeLegend(p *plot.Plot, n int, pts []plotter.XY, h vg.Length) {
	lo, hi := p.Y.Min, p.Y.Max
	if hi <= lo {
		hi = lo + 1
	}
	// An entry is a text line high; title, tick labels and axis label take
	// about 80 points of the canvas.
	entry := p.Legend.TextStyle.Height("Hg") * 1.15
	band := math.Min(0.7, float64(entry)*float64(n)/float64(h-vg.Points(80))+0.04)
	p.Y.Max = lo + (hi-lo)/(1-band)
	midX := (p.X.Min + p.X.Max) / 2
	left, right := 0, 0
	for _, q := range pts {
		if q.Y > (lo+hi)/2 {
			if q.X < midX {
				left++
			} else {
				right++
			}
		}
	}
	p.Legend.Top = true
	p.Legend.Left = left < right
	p.Legend.Padding = vg.Points(4)
	p.Legend.XOffs, p.Legend.YOffs = 0, 0
	if !p.Legend.Left {
		p.Legend.XOffs = -vg.Points(4)
	}
}

// seriesColors is a colour-blind-friendly cycle (Okabe–Ito).
var seriesColors = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255}, color.RGBA{240, 228, 66, 255},
}

func seriesColor(i int) color.Color { return seriesColors[i%len(seriesColors)] }
