package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// ShapesOptions configures the synthetic shapes dataset; zero fields take
// the defaults (3,000 train images, 50 test images per class, 32 px).
type ShapesOptions struct {
	Seed         int // drives every random choice; same seed, same bytes
	Train        int // number of training images (classes balanced)
	TestPerClass int // test images per class
	Size         int // image side in pixels (16 to 512)
	// Rare classes get only RareTrain training images each, the rest of
	// Train going to the other classes: like PASCAL's classes inside
	// Flickr30k in the paper, a class an attacker can poison whole at a
	// small share of all pairs. Test images stay balanced.
	Rare      []string
	RareTrain int // default 30
	// Classes is how many shape classes to draw: 10 (default, ShapeClasses)
	// up to 30 (adding MoreShapeClasses, then ExtraShapeClasses).
	Classes int
}

func (o ShapesOptions) withDefaults() ShapesOptions {
	if o.Train == 0 {
		o.Train = 3000
	}
	if o.TestPerClass == 0 {
		o.TestPerClass = 50
	}
	if o.Size == 0 {
		o.Size = 32
	}
	if o.RareTrain == 0 {
		o.RareTrain = 30
	}
	if o.Classes == 0 {
		o.Classes = len(ShapeClasses)
	}
	return o
}

// applyShapesSpec reads "seed=1,n=2000,size=32,test=50,rare=circle+star,rare_n=30" into o.
func applyShapesSpec(spec string, o *ShapesOptions) error {
	kv, bare, err := parseKV(spec)
	if err != nil {
		return err
	}
	if bare != "" {
		return fmt.Errorf("shapes takes key=value settings (seed, n, test, size, classes, rare, rare_n), not %q", bare)
	}
	if r, ok := kv["rare"]; ok {
		o.Rare = strings.Split(r, "+")
		delete(kv, "rare")
	}
	return setInts(kv, map[string]*int{"seed": &o.Seed, "n": &o.Train, "train": &o.Train, "test": &o.TestPerClass, "size": &o.Size, "rare_n": &o.RareTrain, "classes": &o.Classes})
}

// trainClasses assigns a class to each training image: the common classes
// in turn, then RareTrain images of each rare class.
func trainClasses(opt ShapesOptions, names []string) ([]int, error) {
	rare := map[int]bool{}
	for _, name := range opt.Rare {
		found := false
		for i, c := range names {
			if c == name {
				rare[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("shapes: rare class %q is not a shape; the shapes are %s", name, strings.Join(names, ", "))
		}
	}
	var common []int
	for i := range names {
		if !rare[i] {
			common = append(common, i)
		}
	}
	nRare := len(rare) * opt.RareTrain
	if len(common) == 0 || opt.Train < nRare {
		return nil, fmt.Errorf("shapes: %d training images cannot hold %d rare classes of %d images each", opt.Train, len(rare), opt.RareTrain)
	}
	classes := make([]int, 0, opt.Train)
	for i := 0; i < opt.Train-nRare; i++ {
		classes = append(classes, common[i%len(common)])
	}
	for i := range names {
		if rare[i] {
			for j := 0; j < opt.RareTrain; j++ {
				classes = append(classes, i)
			}
		}
	}
	return classes, nil
}

// Shapes generates the built-in synthetic dataset: each image holds one or
// two coloured shapes on a muted textured background; the label is the main
// shape; every image has 5 captions naming its attributes. Rows hold their
// pixels in memory. Generation is parallel and deterministic: image i only
// uses a generator seeded from (Seed, i).
func Shapes(opt ShapesOptions) (*Dataset, error) {
	opt = opt.withDefaults()
	if opt.Size < 16 || opt.Size > 512 {
		return nil, fmt.Errorf("shapes: size %d out of range; use 16 to 512 (32 or 64 are typical)", opt.Size)
	}
	if opt.Train < 0 || opt.TestPerClass < 0 {
		return nil, fmt.Errorf("shapes: negative image count (train %d, test per class %d)", opt.Train, opt.TestPerClass)
	}
	if opt.Classes < 2 || opt.Classes > len(allShapeClasses) {
		return nil, fmt.Errorf("shapes: classes=%d out of range; use 2 to %d", opt.Classes, len(allShapeClasses))
	}
	names := allShapeClasses[:opt.Classes]
	k := len(names)
	n := opt.Train + k*opt.TestPerClass
	d := &Dataset{Name: "shapes", Classes: append([]string(nil), names...), Rows: make([]Row, n)}
	if k != len(ShapeClasses) {
		d.Name = fmt.Sprintf("shapes%d", k)
	}
	if len(opt.Rare) > 0 {
		d.Name += "-rare-" + strings.Join(opt.Rare, "+")
	}
	trainClass, err := trainClasses(opt, names)
	// A rare class stays rare: it is never drawn as the second object of an
	// image either, or its clean pairs would outnumber its own images.
	others := names
	if len(opt.Rare) > 0 {
		others = nil
		for _, c := range names {
			if !slices.Contains(opt.Rare, c) {
				others = append(others, c)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	parallel.For(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			split, class := Train, 0
			if i < opt.Train {
				class = trainClass[i]
			} else {
				split, class = Test, (i-opt.Train)%k
			}
			rng := itemRNG(uint64(opt.Seed), 1, uint64(i))
			img, caps := drawShapesImage(opt.Size, names[class], others, rng)
			d.Rows[i] = Row{ID: i, Pixels: img, Captions: caps, Label: names[class], Split: split}
		}
	})
	return d, nil
}

// drawShapesImage renders one image whose main object is shape (a second
// object, if any, is one of others) and writes its captions.
func drawShapesImage(size int, shape string, others []string, rng *rand.Rand) (*rgb.Image, []string) {
	img := rgb.New(size, size)
	bgKinds := []string{"noise", "stripes", "gradient"}
	bgKind := bgKinds[rng.IntN(len(bgKinds))]
	t1 := rng.IntN(len(backgroundTones))
	t2 := (t1 + 1 + rng.IntN(len(backgroundTones)-1)) % len(backgroundTones)
	drawBackground(img, bgKind, backgroundTones[t1].rgb, backgroundTones[t2].rgb, rng)

	s := float64(size)
	main := newObject(shape, rng)
	objs := []*object{main}
	if rng.IntN(10) < 3 { // a second, different object on the opposite side
		other := others[rng.IntN(len(others))]
		for other == shape {
			other = others[rng.IntN(len(others))]
		}
		second := newObject(other, rng)
		for second.color == main.color {
			second.color = rng.IntN(len(ShapeColors))
		}
		second.rgb = jitterColor(second.color, rng)
		main.pos = []string{"left", "right", "top", "bottom"}[rng.IntN(4)]
		second.pos = opposite[main.pos]
		main.large, second.large = false, false
		objs = append(objs, second)
	} else {
		main.pos = []string{"left", "right", "top", "bottom", "centre"}[rng.IntN(5)]
		main.large = rng.IntN(2) == 1
	}
	for _, o := range objs {
		place(o, s, rng)
		drawObject(img, o)
	}
	bg := fmt.Sprintf(pick(backgroundPhrases[bgKind], rng), backgroundTones[t1].name)
	return img, shapeCaptions(objs, bg, rng)
}

func newObject(shape string, rng *rand.Rand) *object {
	o := &object{shape: shape, color: rng.IntN(len(ShapeColors))}
	o.rgb = jitterColor(o.color, rng)
	angle := (rng.Float64() - 0.5) * math.Pi / 6 // ±15°
	if shape == "arrow" {
		d := rng.IntN(len(arrowDirections))
		o.arrowPoint = arrowDirections[d]
		angle += float64(d) * math.Pi / 2
	}
	// drawObject rotates canvas offsets by -angle into the shape frame, so the
	// shape appears turned by +angle; with y down, +90° makes "right" point down.
	o.cos, o.sin = math.Cos(angle), math.Sin(angle)
	return o
}

func jitterColor(c int, rng *rand.Rand) [3]float64 {
	var out [3]float64
	for ch := range out {
		out[ch] = clampFloat(shapeColorRGB[c][ch]+(rng.Float64()-0.5)*24, 0, 255)
	}
	return out
}

// place sets the object's radius and centre from its size and position.
func place(o *object, s float64, rng *rand.Rand) {
	if o.large {
		o.r = s * (0.30 + 0.05*rng.Float64())
	} else {
		o.r = s * (0.15 + 0.04*rng.Float64())
	}
	margin := s * 0.03
	near, far := margin+o.r, s-margin-o.r
	mid := s/2 + (rng.Float64()-0.5)*s*0.06
	o.cx, o.cy = mid, s/2+(rng.Float64()-0.5)*s*0.06
	switch o.pos {
	case "left":
		o.cx = near
	case "right":
		o.cx = far
	case "top":
		o.cy = near
	case "bottom":
		o.cy = far
	}
}

// shapeCaptions writes 5 distinct captions from the templates.
func shapeCaptions(objs []*object, bg string, rng *rand.Rand) []string {
	templates := singleTemplates
	if len(objs) == 2 {
		templates = pairTemplates
	}
	seen := map[string]bool{}
	var caps []string
	for tries := 0; len(caps) < 5 && tries < 100; tries++ {
		t := templates[rng.IntN(len(templates))]
		c := t
		c = strings.ReplaceAll(c, "{S}", objectPhrase(objs[0], rng, false))
		c = strings.ReplaceAll(c, "{O}", objectPhrase(objs[0], rng, true))
		c = strings.ReplaceAll(c, "{P}", pick(positionPhrases[objs[0].pos], rng))
		c = strings.ReplaceAll(c, "{B}", bg)
		if len(objs) == 2 {
			c = strings.ReplaceAll(c, "{O2}", objectPhrase(objs[1], rng, true))
			c = strings.ReplaceAll(c, "{P2}", pick(positionPhrases[objs[1].pos], rng))
		}
		if !seen[c] {
			seen[c] = true
			caps = append(caps, c)
		}
	}
	return caps
}

// objectPhrase names an object: "a small crimson disc", sometimes dropping
// the size, and for arrows sometimes adding where it points.
func objectPhrase(o *object, rng *rand.Rand, article bool) string {
	var words []string
	if rng.IntN(3) > 0 {
		words = append(words, pick(sizeSynonyms[o.large], rng))
	}
	words = append(words, pick(colorSynonyms[ShapeColors[o.color]], rng), pick(shapeSynonyms[o.shape], rng))
	p := strings.Join(words, " ")
	if o.shape == "arrow" && rng.IntN(2) == 0 {
		p += " pointing " + o.arrowPoint
	}
	if !article {
		return p
	}
	if strings.ContainsRune("aeiou", rune(p[0])) {
		return "an " + p
	}
	return "a " + p
}

func pick(list []string, rng *rand.Rand) string { return list[rng.IntN(len(list))] }
