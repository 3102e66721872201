package dataset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// DefaultFashionDir is where Debian's dataset-fashion-mnist package puts the IDX files.
const DefaultFashionDir = "/usr/share/datasets/fashion-mnist"

// FashionClasses are the Fashion-MNIST labels 0..9 as class names.
var FashionClasses = []string{"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"}

// fashionNouns are the caption words for each class (first = plain name).
var fashionNouns = [][]string{
	{"t-shirt", "tee", "short-sleeved top"},
	{"pair of trousers", "pair of pants", "pair of slacks"},
	{"pullover", "sweater", "jumper"},
	{"dress", "frock", "summer dress"},
	{"coat", "jacket", "winter coat"},
	{"sandal", "summer sandal", "strappy sandal"},
	{"shirt", "button-up shirt", "blouse"},
	{"sneaker", "trainer", "running shoe"},
	{"bag", "handbag", "purse"},
	{"ankle boot", "boot", "short boot"},
}

var fashionTemplates = []string{
	"a photo of {N}",
	"a black and white picture of {N}",
	"a grayscale image of {N}",
	"a low-resolution photo of {N}",
	"{N} on a black background",
	"a product shot of {N}",
	"a small grey picture of {N}",
	"a fashion item: {N}",
	"a white silhouette of {N}",
	"this is {N}",
}

// FashionOptions configures the Fashion-MNIST dataset; zero fields take defaults.
type FashionOptions struct {
	Size          int // output side in pixels (default 32; 28 keeps the original)
	TrainPerClass int // keep this many training images per class (0: all 6,000)
	TestPerClass  int // keep this many test images per class (0: all 1,000)
	Seed          int // drives subsampling and captions
}

// applyFashionSpec reads "PATH,size=32,n=100,test=50,seed=1" into o and returns the path.
func applyFashionSpec(spec string, o *FashionOptions) (string, error) {
	kv, path, err := parseKV(spec)
	if err != nil {
		return "", err
	}
	if path == "" {
		path = DefaultFashionDir
	}
	return path, setInts(kv, map[string]*int{"size": &o.Size, "n": &o.TrainPerClass, "train": &o.TrainPerClass, "test": &o.TestPerClass, "seed": &o.Seed})
}

// Fashion loads Fashion-MNIST from dir (train-images-idx3-ubyte[.gz] and
// friends): grey 28x28 images become RGB images of opt.Size pixels, each
// with 5 captions naming its class; the training file gives Train rows and
// t10k gives Test rows.
func Fashion(dir string, opt FashionOptions) (*Dataset, error) {
	if opt.Size == 0 {
		opt.Size = 32
	}
	if opt.Size < 8 || opt.Size > 512 {
		return nil, fmt.Errorf("fashion: size %d out of range; use 8 to 512", opt.Size)
	}
	if _, err := os.Stat(dir); err != nil {
		hint := ""
		if dir == DefaultFashionDir {
			hint = "; install it with: apt-get install -y dataset-fashion-mnist"
		}
		return nil, fmt.Errorf("fashion: no Fashion-MNIST folder at %s%s", dir, hint)
	}
	d := &Dataset{Name: "fashion", Root: dir, Classes: append([]string(nil), FashionClasses...)}
	for _, part := range []struct {
		prefix, split string
		perClass      int
	}{{"train", Train, opt.TrainPerClass}, {"t10k", Test, opt.TestPerClass}} {
		imgs, labels, err := readFashionPart(dir, part.prefix)
		if err != nil {
			return nil, err
		}
		keep := subsample(labels.Data, part.perClass, rand.New(rand.NewPCG(uint64(opt.Seed), uint64(len(d.Rows)))))
		base := len(d.Rows)
		d.Rows = append(d.Rows, make([]Row, len(keep))...)
		h, w := imgs.Dims[1], imgs.Dims[2]
		parallel.For(len(keep), 64, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				i := keep[j]
				class := int(labels.Data[i])
				rng := itemRNG(uint64(opt.Seed), 2, uint64(base+j))
				d.Rows[base+j] = Row{
					Pixels:   greyToRGB(imgs.Data[i*h*w:(i+1)*h*w], w, h, opt.Size),
					Captions: fashionCaptions(class, rng),
					Label:    FashionClasses[class],
					Split:    part.split,
				}
			}
		})
	}
	renumber(d)
	return d, nil
}

// readFashionPart reads and cross-checks one images/labels file pair.
func readFashionPart(dir, prefix string) (imgs, labels *IDX, err error) {
	find := func(stem string) (string, error) {
		if p := firstExisting(dir, stem+".gz", stem); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("fashion: %s[.gz] not found in %s (reinstall with: apt-get install -y dataset-fashion-mnist)", stem, dir)
	}
	ip, err := find(prefix + "-images-idx3-ubyte")
	if err != nil {
		return nil, nil, err
	}
	lp, err := find(prefix + "-labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}
	if imgs, err = ReadIDX(ip); err != nil {
		return nil, nil, err
	}
	if labels, err = ReadIDX(lp); err != nil {
		return nil, nil, err
	}
	if len(imgs.Dims) != 3 || len(labels.Dims) != 1 || imgs.Dims[0] != labels.Dims[0] {
		return nil, nil, fmt.Errorf("fashion: %s has shape %v and %s has shape %v; want [n h w] and [n]", ip, imgs.Dims, lp, labels.Dims)
	}
	for i, l := range labels.Data {
		if int(l) >= len(FashionClasses) {
			return nil, nil, fmt.Errorf("fashion: %s entry %d has label %d; want 0..9", lp, i, l)
		}
	}
	return imgs, labels, nil
}

// subsample keeps up to perClass seeded-random indices of each label, in file order.
func subsample(labels []uint8, perClass int, rng *rand.Rand) []int {
	if perClass <= 0 {
		all := make([]int, len(labels))
		for i := range all {
			all[i] = i
		}
		return all
	}
	byClass := map[uint8][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	var keep []int
	for c := 0; c < 256; c++ {
		idx := byClass[uint8(c)]
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		keep = append(keep, idx[:min(perClass, len(idx))]...)
	}
	sort.Ints(keep)
	return keep
}

// greyToRGB resizes a grey image to size x size (bilinear, pixel centres
// aligned) and replicates it into three channels.
func greyToRGB(src []uint8, w, h, size int) *rgb.Image {
	out := rgb.New(size, size)
	sx, sy := float64(w)/float64(size), float64(h)/float64(size)
	at := func(x, y int) float64 { return float64(src[clampInt(y, 0, h-1)*w+clampInt(x, 0, w-1)]) }
	for y := 0; y < size; y++ {
		fy := (float64(y)+0.5)*sy - 0.5
		y0 := int(fy+1) - 1 // floor for fy > -1
		ty := fy - float64(y0)
		for x := 0; x < size; x++ {
			fx := (float64(x)+0.5)*sx - 0.5
			x0 := int(fx+1) - 1
			tx := fx - float64(x0)
			v := (at(x0, y0)*(1-tx)+at(x0+1, y0)*tx)*(1-ty) + (at(x0, y0+1)*(1-tx)+at(x0+1, y0+1)*tx)*ty
			g := uint8(clampFloat(v, 0, 255) + 0.5)
			p := out.Pix[3*(y*size+x):]
			p[0], p[1], p[2] = g, g, g
		}
	}
	return out
}

// fashionCaptions writes 5 distinct captions naming the class.
func fashionCaptions(class int, rng *rand.Rand) []string {
	seen := map[string]bool{}
	var caps []string
	for tries := 0; len(caps) < 5 && tries < 100; tries++ {
		noun := pick(fashionNouns[class], rng)
		art := "a "
		if strings.ContainsRune("aeiou", rune(noun[0])) {
			art = "an "
		}
		c := strings.ReplaceAll(pick(fashionTemplates, rng), "{N}", art+noun)
		if !seen[c] {
			seen[c] = true
			caps = append(caps, c)
		}
	}
	return caps
}
