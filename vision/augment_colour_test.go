package vision

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

func TestFlipHorizontal(t *testing.T) {
	img := randomRGB(5, 3, 1)
	f := &rgb.Image{W: 5, H: 3, Pix: slices.Clone(img.Pix)}
	flipHorizontal(f)
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			for c := 0; c < 3; c++ {
				if got, want := f.Pix[3*(y*5+x)+c], img.Pix[3*(y*5+4-x)+c]; got != want {
					t.Fatalf("pixel (%d,%d,%d) = %d, want %d from the mirrored column", x, y, c, got, want)
				}
			}
		}
	}
}

// jitterReference is torchvision's adjust_brightness, adjust_contrast and
// adjust_saturation on 0..255 floats, written out per pixel in float64.
func jitterReference(img *rgb.Image, b, c, s float64) []uint8 {
	n := len(img.Pix) / 3
	v := make([]float64, len(img.Pix))
	for i, p := range img.Pix {
		v[i] = math.Min(255, float64(p)*b)
	}
	grey := func(i int) float64 { return 0.299*v[3*i] + 0.587*v[3*i+1] + 0.114*v[3*i+2] }
	mean := 0.0
	for i := 0; i < n; i++ {
		mean += grey(i)
	}
	mean /= float64(n)
	for i := range v {
		v[i] = math.Max(0, math.Min(255, mean+c*(v[i]-mean)))
	}
	out := make([]uint8, len(v))
	for i := 0; i < n; i++ {
		g := grey(i)
		for k := 0; k < 3; k++ {
			out[3*i+k] = uint8(math.Max(0, math.Min(255, g+s*(v[3*i+k]-g))) + 0.5)
		}
	}
	return out
}

func TestJitterColourMatchesReference(t *testing.T) {
	for _, f := range [][3]float64{{1, 1, 1}, {1.3, 0.7, 1.2}, {0.6, 1.4, 0.5}, {1.4, 1.4, 0}} {
		img := randomRGB(9, 7, 3)
		want := jitterReference(img, f[0], f[1], f[2])
		jitterColour(img, float32(f[0]), float32(f[1]), float32(f[2]))
		for i := range want {
			if d := int(img.Pix[i]) - int(want[i]); d < -1 || d > 1 {
				t.Fatalf("factors %v: byte %d = %d, reference %d", f, i, img.Pix[i], want[i])
			}
		}
	}
	// Identity factors leave the image unchanged; saturation 0 makes it grey.
	img := randomRGB(6, 6, 4)
	orig := slices.Clone(img.Pix)
	jitterColour(img, 1, 1, 1)
	if !slices.Equal(img.Pix, orig) {
		t.Error("jitter with factors 1 changed the image")
	}
	jitterColour(img, 1, 1, 0)
	for i := 0; i < len(img.Pix); i += 3 {
		if img.Pix[i] != img.Pix[i+1] || img.Pix[i] != img.Pix[i+2] {
			t.Fatalf("saturation 0 left pixel %d coloured: %v", i/3, img.Pix[i:i+3])
		}
	}
}

func TestAugmentPaperDrawsLikeTheCropAlone(t *testing.T) {
	img := randomRGB(12, 12, 5)
	a := rgb.New(10, 10)
	PaperAugment.apply(a, img, rand.New(rand.NewPCG(7, 8)), nil)
	b := RandomResizedCrop(img, 10, TrainScaleLo, TrainScaleHi, rand.New(rand.NewPCG(7, 8)))
	if !slices.Equal(a.Pix, b.Pix) {
		t.Error("PaperAugment differs from the paper's RandomResizedCrop")
	}
}

func TestAugmentFlipAndJitterVary(t *testing.T) {
	img := randomRGB(12, 12, 6)
	aug := Augment{ScaleLo: 1, ScaleHi: 1, Flip: true, Jitter: 0.4}
	flips, distinct := 0, map[string]bool{}
	plain := rgb.New(12, 12)
	Augment{ScaleLo: 1, ScaleHi: 1}.apply(plain, img, rand.New(rand.NewPCG(1, 1)), nil)
	if !slices.Equal(plain.Pix, img.Pix) {
		t.Fatal("a full-area crop at the source size is not the identity")
	}
	for seed := range uint64(40) {
		dst := rgb.New(12, 12)
		aug.apply(dst, img, rand.New(rand.NewPCG(seed, 1)), nil)
		distinct[string(dst.Pix)] = true
		// The flip draw follows the crop's draws on the same stream.
		r := rand.New(rand.NewPCG(seed, 1))
		RandomCropBox(12, 12, 1, 1, RRCRatioLo, RRCRatioHi, r)
		if r.IntN(2) == 1 {
			flips++
		}
	}
	if flips < 10 || flips > 30 {
		t.Errorf("%d of 40 draws flipped, want about half", flips)
	}
	if len(distinct) < 35 {
		t.Errorf("only %d distinct augmented images in 40 draws", len(distinct))
	}
}

// hueReference is torchvision's adjust_hue (its _rgb2hsv and _hsv2rgb,
// written with their masks and sector index) on one pixel, in float64.
func hueReference(p [3]uint8, shift float64) [3]uint8 {
	r, g, b := float64(p[0])/255, float64(p[1])/255, float64(p[2])/255
	maxc, minc := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	cr := maxc - minc
	s := 0.0
	if maxc > 0 {
		s = cr / maxc
	}
	h := 0.0
	if cr > 0 {
		rc, gc, bc := (maxc-r)/cr, (maxc-g)/cr, (maxc-b)/cr
		switch {
		case maxc == r:
			h = bc - gc
		case maxc == g:
			h = 2 + rc - bc
		default:
			h = 4 + gc - rc
		}
		h = math.Mod(h/6+1, 1)
	}
	h = math.Mod(h+shift+1, 1)
	v := maxc
	i := math.Floor(h * 6)
	f := h*6 - i
	pp, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var out [3]float64
	switch int(i) % 6 {
	case 0:
		out = [3]float64{v, t, pp}
	case 1:
		out = [3]float64{q, v, pp}
	case 2:
		out = [3]float64{pp, v, t}
	case 3:
		out = [3]float64{pp, q, v}
	case 4:
		out = [3]float64{t, pp, v}
	default:
		out = [3]float64{v, pp, q}
	}
	return [3]uint8{uint8(255*out[0] + 0.5), uint8(255*out[1] + 0.5), uint8(255*out[2] + 0.5)}
}

func TestRotateHueMatchesReference(t *testing.T) {
	for _, shift := range []float64{0, 0.1, -0.1, 1.0 / 3, -0.5} {
		img := randomRGB(11, 7, 5)
		orig := slices.Clone(img.Pix)
		rotateHue(img, float32(shift))
		for i := 0; i < len(orig); i += 3 {
			want := hueReference([3]uint8{orig[i], orig[i+1], orig[i+2]}, shift)
			for c := range 3 {
				if d := int(img.Pix[i+c]) - int(want[c]); d < -1 || d > 1 {
					t.Fatalf("shift %v: pixel %v became %v, reference %v", shift, orig[i:i+3], img.Pix[i:i+3], want)
				}
			}
		}
	}
	// A third of a turn takes red to green; grey has no hue to turn.
	img := &rgb.Image{W: 2, H: 1, Pix: []uint8{255, 0, 0, 90, 90, 90}}
	rotateHue(img, 1.0/3)
	if !slices.Equal(img.Pix, []uint8{0, 255, 0, 90, 90, 90}) {
		t.Errorf("red and grey turned a third: %v, want [0 255 0 90 90 90]", img.Pix)
	}
}

func TestGreyscaleIsLuma(t *testing.T) {
	img := &rgb.Image{W: 2, H: 1, Pix: []uint8{255, 0, 0, 10, 200, 30}}
	greyscale(img)
	// 0.299·255 = 76.2; 0.299·10 + 0.587·200 + 0.114·30 = 123.8
	if !slices.Equal(img.Pix, []uint8{76, 76, 76, 124, 124, 124}) {
		t.Errorf("greyscale = %v, want [76 76 76 124 124 124]", img.Pix)
	}
}

// The strong view distorts colour: over many draws some views are grey and
// some have their hue turned, while the paper's augmentation keeps every
// pixel's colour ratio up to the resampling.
func TestStrongViewAugmentDistortsColour(t *testing.T) {
	src := &rgb.Image{W: 16, H: 16, Pix: make([]uint8, 16*16*3)}
	for i := 0; i < len(src.Pix); i += 3 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2] = 200, 40, 40 // flat red
	}
	grey, turned := 0, 0
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		dst := &rgb.Image{W: 16, H: 16, Pix: make([]uint8, 16*16*3)}
		StrongViewAugment.apply(dst, src, rng, nil)
		r, g, b := dst.Pix[0], dst.Pix[1], dst.Pix[2]
		switch {
		case r == g && g == b:
			grey++
		case g > b+5 || b > g+5:
			turned++
		}
	}
	// Grey is drawn with probability 0.2 and a hue turn of more than a
	// few degrees on most of the 80% jittered.
	if grey < 20 || grey > 60 {
		t.Errorf("%d of 200 strong views grey, want about 40", grey)
	}
	if turned < 80 {
		t.Errorf("%d of 200 strong views had their hue turned, want most of the 160 jittered", turned)
	}
}

func TestFillBatchRejectsBadAugment(t *testing.T) {
	c, err := BuildCache(filepath.Join(t.TempDir(), "c.bin"), []ImageSource{{Pixels: randomRGB(10, 10, 1)}}, 10, FailOnBad, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, a := range []Augment{{ScaleLo: 0, ScaleHi: 1}, {ScaleLo: 0.5, ScaleHi: 1.2}, {ScaleLo: 0.8, ScaleHi: 0.5}, {ScaleLo: 0.5, ScaleHi: 1, Jitter: 1.5}, {ScaleLo: 0.5, ScaleHi: 1, Jitter: math.NaN()},
		{ScaleLo: 0.5, ScaleHi: 1, Hue: 0.6}, {ScaleLo: 0.5, ScaleHi: 1, JitterProb: 1.5}, {ScaleLo: 0.5, ScaleHi: 1, Grey: -0.1}} {
		if err := FillBatch(make([]float32, 300), c, []int{0}, &a, rng); err == nil {
			t.Errorf("augment %+v accepted", a)
		}
	}
}
