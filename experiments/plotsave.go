package experiments

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotFormats are written for every plot.
var plotFormats = []string{"png", "svg"}

// savePlot writes p as base.png and base.svg atomically and returns the
// paths written. A non-nil legend is drawn in a strip right of the plot, so
// it never hides data (gonum/plot only draws legends inside the data area).
func savePlot(p *plot.Plot, legend *plot.Legend, w, h vg.Length, base string) ([]string, error) {
	var paths []string
	for _, format := range plotFormats {
		c, err := draw.NewFormattedCanvas(w, h, format)
		if err != nil {
			return paths, fmt.Errorf("plot %s.%s: %w", base, format, err)
		}
		dc := draw.New(c)
		if legend == nil {
			p.Draw(dc)
		} else {
			legend.Top = true
			legend.XOffs = -vg.Points(16) // keep the entry markers inside the canvas
			width := legend.Rectangle(dc).Size().X
			p.Draw(draw.Crop(dc, 0, -width-vg.Points(24), 0, 0))
			legend.Draw(dc)
		}
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

// seriesColors is a colour-blind-friendly cycle (Okabe–Ito).
var seriesColors = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255}, color.RGBA{240, 228, 66, 255},
}

func seriesColor(i int) color.Color { return seriesColors[i%len(seriesColors)] }
