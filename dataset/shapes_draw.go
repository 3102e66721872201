package dataset

import (
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// shapeInside reports whether the point (x, y) of a shape's unit frame
// (extent about [-1, 1], y pointing down) is inside the shape.
var shapeInside = map[string]func(x, y float64) bool{
	"circle":   func(x, y float64) bool { return x*x+y*y <= 0.92 },
	"square":   func(x, y float64) bool { return math.Abs(x) <= 0.8 && math.Abs(y) <= 0.8 },
	"triangle": polygon(0, -1, 0.95, 0.75, -0.95, 0.75),
	"star":     polygon(starPoints()...),
	"cross": func(x, y float64) bool {
		ax, ay := math.Abs(x), math.Abs(y)
		return (ax <= 0.3 && ay <= 0.95) || (ay <= 0.3 && ax <= 0.95)
	},
	"heart": func(x, y float64) bool {
		X, Y := x*1.2, -y*1.2+0.15 // the implicit curve has y up and sits a bit high
		a := X*X + Y*Y - 1
		return a*a*a-X*X*Y*Y*Y <= 0
	},
	"diamond": func(x, y float64) bool { return math.Abs(x)/0.7+math.Abs(y) <= 1 },
	"hexagon": polygon(hexPoints()...),
	"ring": func(x, y float64) bool {
		r2 := x*x + y*y
		return r2 <= 0.95 && r2 >= 0.3
	},
	"arrow": func(x, y float64) bool { // points right; rotated for other directions
		if x >= -0.95 && x <= 0.05 && math.Abs(y) <= 0.25 {
			return true
		}
		return x >= 0.05 && x <= 0.95 && math.Abs(y) <= 0.75*(0.95-x)/0.9
	},
	"crescent": func(x, y float64) bool {
		return x*x+y*y <= 0.9 && (x-0.45)*(x-0.45)+y*y > 0.55
	},
	"dome": func(x, y float64) bool { // the top half of a disc centred low
		yy := y - 0.45
		return yy <= 0 && x*x+yy*yy <= 0.9
	},
	"trapezoid": polygon(-0.5, -0.6, 0.5, -0.6, 0.95, 0.6, -0.95, 0.6),
	"bar":       func(x, y float64) bool { return math.Abs(x) <= 0.95 && math.Abs(y) <= 0.22 },
	"chevron":   polygon(-0.9, -0.7, 0, 0.1, 0.9, -0.7, 0.9, -0.15, 0, 0.65, -0.9, -0.15),
	"pentagon":  polygon(pentagonPoints()...),
	"frame": func(x, y float64) bool {
		ax, ay := math.Abs(x), math.Abs(y)
		return ax <= 0.85 && ay <= 0.85 && (ax > 0.45 || ay > 0.45)
	},
	"ell": func(x, y float64) bool {
		return (x >= -0.8 && x <= -0.35 && math.Abs(y) <= 0.9) || (y >= 0.45 && y <= 0.9 && math.Abs(x) <= 0.8)
	},
	"hourglass": polygon(-0.8, -0.9, 0.8, -0.9, 0.12, 0, 0.8, 0.9, -0.8, 0.9, -0.12, 0),
	"tee": func(x, y float64) bool {
		return (math.Abs(x) <= 0.9 && y >= -0.9 && y <= -0.5) || (math.Abs(x) <= 0.22 && math.Abs(y) <= 0.9)
	},
	"oval": func(x, y float64) bool { return x*x/0.9+y*y/0.3 <= 1 },
	"saltire": func(x, y float64) bool { // a cross turned by 45°
		u, v := math.Abs(x+y)/math.Sqrt2, math.Abs(x-y)/math.Sqrt2
		return math.Abs(x) <= 0.85 && math.Abs(y) <= 0.85 && (u <= 0.22 || v <= 0.22)
	},
	"bolt":     polygon(0.15, -0.95, -0.55, 0.1, -0.05, 0.1, -0.25, 0.95, 0.55, -0.15, 0.05, -0.15, 0.35, -0.95),
	"teardrop": polygon(teardropPoints()...),
	"horseshoe": func(x, y float64) bool {
		if y <= 0 { // the two legs
			return math.Abs(x) <= 0.85 && math.Abs(x) >= 0.4 && y >= -0.9
		}
		r2 := x*x + y*y // the round bottom
		return r2 <= 0.72 && r2 >= 0.16
	},
	"equals": func(x, y float64) bool { return math.Abs(x) <= 0.9 && math.Abs(math.Abs(y)-0.45) <= 0.2 },
	"wave": func(x, y float64) bool {
		return math.Abs(x) <= 0.95 && math.Abs(y-0.45*math.Sin(1.6*math.Pi*x)) <= 0.2
	},
	"trefoil": func(x, y float64) bool { // three discs round the centre
		for k := 0; k < 3; k++ {
			a := -math.Pi/2 + float64(k)*2*math.Pi/3
			dx, dy := x-0.45*math.Cos(a), y-0.45*math.Sin(a)
			if dx*dx+dy*dy <= 0.22 {
				return true
			}
		}
		return false
	},
	"aitch": func(x, y float64) bool {
		ax := math.Abs(x)
		return (ax >= 0.45 && ax <= 0.85 && math.Abs(y) <= 0.9) || (ax <= 0.85 && math.Abs(y) <= 0.18)
	},
	"pie": func(x, y float64) bool { // a disc with a 90° wedge cut out on the right
		return x*x+y*y <= 0.9 && !(x > 0 && math.Abs(y) < x)
	},
}

// teardropPoints is a drop: a round bottom narrowing to a point at the top.
func teardropPoints() []float64 {
	xy := []float64{0, -1}
	for i := 0; i <= 12; i++ {
		a := -math.Pi/6 + float64(i)*(math.Pi+math.Pi/3)/12 // from upper right, round the bottom, to upper left
		xy = append(xy, 0.6*math.Cos(a), 0.3+0.6*math.Sin(a))
	}
	return xy
}

// pentagonPoints is a regular pentagon, one vertex up.
func pentagonPoints() []float64 {
	var xy []float64
	for i := 0; i < 5; i++ {
		a := -math.Pi/2 + float64(i)*2*math.Pi/5
		xy = append(xy, 0.95*math.Cos(a), 0.95*math.Sin(a))
	}
	return xy
}

// polygon returns an even-odd inside test for the closed polygon (x0,y0,x1,y1,...).
func polygon(xy ...float64) func(x, y float64) bool {
	n := len(xy) / 2
	return func(x, y float64) bool {
		in := false
		for i, j := 0, n-1; i < n; j, i = i, i+1 {
			xi, yi, xj, yj := xy[2*i], xy[2*i+1], xy[2*j], xy[2*j+1]
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
		return in
	}
}

func starPoints() []float64 {
	var xy []float64
	for k := 0; k < 10; k++ {
		r := 1.0
		if k%2 == 1 {
			r = 0.45
		}
		a := -math.Pi/2 + float64(k)*math.Pi/5
		xy = append(xy, r*math.Cos(a), r*math.Sin(a)+0.08) // +0.08 centres the star's mass
	}
	return xy
}

func hexPoints() []float64 {
	var xy []float64
	for k := 0; k < 6; k++ {
		a := float64(k) * math.Pi / 3
		xy = append(xy, 0.95*math.Cos(a), 0.95*math.Sin(a))
	}
	return xy
}

// object is one shape placed on the canvas (pixel units).
type object struct {
	shape      string
	color      int // index into shapeColors
	rgb        [3]float64
	cx, cy, r  float64
	cos, sin   float64 // rotation
	large      bool
	pos        string // left, right, top, bottom, centre
	arrowPoint string // direction an arrow points
}

// drawObject blends an anti-aliased shape onto img: 4x4 samples per pixel
// inside the object's bounding box give the coverage.
func drawObject(img *rgb.Image, o *object) {
	inside := shapeInside[o.shape]
	const ss = 4
	x0, x1 := clampInt(int(o.cx-o.r*1.1), 0, img.W), clampInt(int(o.cx+o.r*1.1)+2, 0, img.W)
	y0, y1 := clampInt(int(o.cy-o.r*1.1), 0, img.H), clampInt(int(o.cy+o.r*1.1)+2, 0, img.H)
	for py := y0; py < y1; py++ {
		for px := x0; px < x1; px++ {
			hits := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					dx := (float64(px) + (float64(sx)+0.5)/ss - o.cx) / o.r
					dy := (float64(py) + (float64(sy)+0.5)/ss - o.cy) / o.r
					u, v := o.cos*dx+o.sin*dy, -o.sin*dx+o.cos*dy // rotate into the shape frame
					if inside(u, v) {
						hits++
					}
				}
			}
			if hits == 0 {
				continue
			}
			c := float64(hits) / (ss * ss)
			p := img.Pix[3*(py*img.W+px):]
			for ch := 0; ch < 3; ch++ {
				p[ch] = uint8(float64(p[ch])*(1-c) + o.rgb[ch]*c + 0.5)
			}
		}
	}
}

// drawBackground fills img with muted noise, stripes or a gradient.
func drawBackground(img *rgb.Image, kind string, a, b [3]float64, rng *rand.Rand) {
	w, h := img.W, img.H
	period := float64(w) / float64(4+rng.IntN(4))
	angle := float64(rng.IntN(4)) * math.Pi / 4
	ca, sa := math.Cos(angle), math.Sin(angle)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var col [3]float64
			switch kind {
			case "noise":
				j := (rng.Float64() - 0.5) * 40
				for ch := range col {
					col[ch] = a[ch] + j + (rng.Float64()-0.5)*10
				}
			case "stripes":
				t := (float64(x)*ca + float64(y)*sa) / period
				col = a
				if int(math.Floor(t))%2 != 0 {
					col = b
				}
			default: // gradient
				lo := math.Min(0, float64(w)*ca) + math.Min(0, float64(h)*sa)
				t := (float64(x)*ca + float64(y)*sa - lo) / (float64(w)*math.Abs(ca) + float64(h)*math.Abs(sa))
				for ch := range col {
					col[ch] = a[ch]*(1-t) + b[ch]*t
				}
			}
			p := img.Pix[3*(y*w+x):]
			for ch := 0; ch < 3; ch++ {
				p[ch] = uint8(clampFloat(col[ch], 0, 255) + 0.5)
			}
		}
	}
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

func clampFloat(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
