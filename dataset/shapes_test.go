package dataset

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

func TestShapesDeterministic(t *testing.T) {
	opt := ShapesOptions{Seed: 7, Train: 60, TestPerClass: 2}
	a, err := Shapes(opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Shapes(opt)
	for i := range a.Rows {
		if !bytes.Equal(a.Rows[i].Pixels.Pix, b.Rows[i].Pixels.Pix) || strings.Join(a.Rows[i].Captions, "|") != strings.Join(b.Rows[i].Captions, "|") {
			t.Fatalf("row %d differs between two runs with the same seed", i)
		}
	}
	opt.Seed = 8
	c, _ := Shapes(opt)
	same := 0
	for i := range a.Rows {
		if bytes.Equal(a.Rows[i].Pixels.Pix, c.Rows[i].Pixels.Pix) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of %d images identical across seeds 7 and 8", same, len(a.Rows))
	}
}

func TestShapesBalanceAndSplits(t *testing.T) {
	ds, err := Load("shapes:seed=1,n=200,test=25,size=64")
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(ds)
	if st.Split(Train).Images != 200 || st.Split(Test).Images != 250 {
		t.Fatalf("train/test = %d/%d, want 200/250", st.Split(Train).Images, st.Split(Test).Images)
	}
	for _, c := range ShapeClasses {
		if st.Split(Train).PerClass[c] != 20 || st.Split(Test).PerClass[c] != 25 {
			t.Errorf("class %s: train %d test %d, want 20/25", c, st.Split(Train).PerClass[c], st.Split(Test).PerClass[c])
		}
	}
	if r := ds.Rows[0]; r.Pixels.W != 64 || r.Pixels.H != 64 || len(r.Pixels.Pix) != 3*64*64 {
		t.Errorf("image is %dx%d, want 64x64", r.Pixels.W, r.Pixels.H)
	}
}

func TestShapesCaptionsNameTheMainShape(t *testing.T) {
	ds, _ := Shapes(ShapesOptions{Seed: 2, Train: 300, TestPerClass: 1})
	distinct := map[string]bool{}
	for _, r := range ds.Rows {
		if len(r.Captions) != 5 {
			t.Fatalf("row %d has %d captions, want 5", r.ID, len(r.Captions))
		}
		for _, c := range r.Captions {
			distinct[c] = true
			if !mentionsAny(words(c), synonymWords(shapeSynonyms[r.Label])) {
				t.Fatalf("row %d (%s): caption %q does not name its shape", r.ID, r.Label, c)
			}
		}
	}
	if n := len(distinct); n < 1400 {
		t.Errorf("only %d distinct captions over %d, want at least 1400", n, 5*len(ds.Rows))
	}
}

func synonymWords(list []string) [][]string {
	var out [][]string
	for _, s := range list {
		out = append(out, words(s))
	}
	return out
}

// Every class must draw a visibly different picture: compare the mean
// object mask of plain centred shapes drawn on a black canvas.
func TestShapesClassesLookDifferent(t *testing.T) {
	masks := map[string][]uint8{}
	for _, s := range allShapeClasses {
		img := newBlank(32)
		o := &object{shape: s, rgb: [3]float64{255, 255, 255}, cx: 16, cy: 16, r: 12, cos: 1}
		drawObject(img, o)
		masks[s] = img.Pix
		lit := 0
		for _, v := range img.Pix {
			if v > 127 {
				lit++
			}
		}
		if lit < 3*60 || lit > 3*600 {
			t.Errorf("%s covers %d pixels of a 24px box, want a solid shape", s, lit/3)
		}
	}
	for i, a := range allShapeClasses {
		for _, b := range allShapeClasses[i+1:] {
			diff := 0
			for k := range masks[a] {
				if (masks[a][k] > 127) != (masks[b][k] > 127) {
					diff++
				}
			}
			if diff < 3*20 {
				t.Errorf("%s and %s differ in only %d pixels", a, b, diff/3)
			}
		}
	}
}

func TestShapesBadOptions(t *testing.T) {
	if _, err := Shapes(ShapesOptions{Size: 8}); err == nil || !strings.Contains(err.Error(), "size 8") {
		t.Errorf("size 8: got %v, want a range error", err)
	}
	if _, err := Load("shapes:size=32,oops"); err == nil {
		t.Error("a bare token in the shapes spec must be rejected")
	}
}

func BenchmarkShapes32(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Shapes(ShapesOptions{Seed: i, Train: 1000, TestPerClass: 1})
	}
}

func newBlank(size int) *rgb.Image { return rgb.New(size, size) }

func TestShapesRareClasses(t *testing.T) {
	ds, err := Load("shapes:n=200,test=2,rare=circle+star,rare_n=7")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range ds.Rows {
		if r.Split == Train {
			count[r.Label]++
		}
	}
	// 14 rare images, the other 186 spread over 8 common classes (23 or 24 each).
	if count["circle"] != 7 || count["star"] != 7 {
		t.Errorf("rare classes got %d circles and %d stars, want 7 each", count["circle"], count["star"])
	}
	for _, c := range ShapeClasses {
		if c != "circle" && c != "star" && (count[c] < 23 || count[c] > 24) {
			t.Errorf("common class %s got %d training images, want 23 or 24", c, count[c])
		}
	}
	// A rare class is not drawn as anyone's second object either.
	for _, r := range ds.Rows {
		if r.Label != "circle" {
			for _, c := range r.Captions {
				for _, syn := range shapeSynonyms["circle"] {
					if strings.Contains(c, syn) {
						t.Fatalf("a %s image mentions the rare circle: %q", r.Label, c)
					}
				}
			}
		}
	}
	if _, err := Load("shapes:rare=blob"); err == nil || !strings.Contains(err.Error(), "blob") {
		t.Errorf("unknown rare class: error %v should name it", err)
	}
}

func TestShapesTwentyClasses(t *testing.T) {
	ds, err := Load("shapes:classes=20,n=40,test=1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Classes) != 20 || ds.Classes[10] != MoreShapeClasses[0] {
		t.Fatalf("classes %v, want the 10 default shapes then %v", ds.Classes, MoreShapeClasses)
	}
	seen := map[string]int{}
	for _, r := range ds.Rows {
		seen[r.Label]++
		// Every caption names the main shape by one of its synonyms.
		for _, c := range r.Captions {
			found := false
			for _, syn := range shapeSynonyms[r.Label] {
				if strings.Contains(c, syn) {
					found = true
				}
			}
			if !found {
				t.Errorf("caption %q of a %s names no synonym of it", c, r.Label)
			}
		}
	}
	for _, c := range ds.Classes {
		if seen[c] != 3 { // 2 train + 1 test
			t.Errorf("class %s has %d images, want 3", c, seen[c])
		}
	}
	if _, err := Load("shapes:classes=31"); err == nil {
		t.Error("classes=31 should be rejected")
	}
}

func TestShapesThirtyClasses(t *testing.T) {
	ds, err := Load("shapes:classes=30,n=60,test=1,rare=circle,rare_n=2")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Classes) != 30 || ds.Classes[20] != ExtraShapeClasses[0] {
		t.Fatalf("classes %v, want the 20 shapes then %v", ds.Classes, ExtraShapeClasses)
	}
	// No synonym of one class appears inside a synonym of another, so a
	// caption names exactly the classes it means.
	for _, a := range allShapeClasses {
		for _, b := range allShapeClasses {
			for _, sa := range shapeSynonyms[a] {
				for _, sb := range shapeSynonyms[b] {
					if a != b && strings.Contains(" "+sb+" ", " "+sa+" ") {
						t.Errorf("synonym %q of %s is inside %q of %s", sa, a, sb, b)
					}
				}
			}
		}
	}
}
