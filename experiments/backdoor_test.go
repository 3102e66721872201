package experiments

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

func flatImage(w, h int, v uint8) *rgb.Image {
	img := rgb.New(w, h)
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func TestPatchTriggerStampsACheckerboardCorner(t *testing.T) {
	src := flatImage(64, 48, 100)
	tr := Trigger{Kind: TriggerPatch, Size: 0.125} // 6 px of the shorter 48 px side
	out := tr.Stamp(src, nil)
	if !slices.Equal(src.Pix, flatImage(64, 48, 100).Pix) {
		t.Fatal("Stamp changed its input")
	}
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			want := uint8(100)
			if x >= 58 && y >= 42 {
				want = 0
				if (x-58+y-42)%2 == 0 {
					want = 255
				}
			}
			for c := range 3 {
				if got := out.Pix[3*(y*64+x)+c]; got != want {
					t.Fatalf("pixel (%d,%d) channel %d = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
}

func TestRandomNoisePatchMovesButKeepsItsPixels(t *testing.T) {
	tr := Trigger{Kind: TriggerPatch, Size: 0.25, Position: PositionRandom, Pattern: PatternNoise, Seed: 9}
	rng := rand.New(rand.NewPCG(1, 2))
	patch := func(img *rgb.Image) (x0, y0 int, pix []uint8) {
		x0, y0 = -1, -1
		for i := 0; i < len(img.Pix); i += 3 {
			if img.Pix[i] != 7 || img.Pix[i+1] != 7 || img.Pix[i+2] != 7 {
				if x0 < 0 {
					x0, y0 = (i/3)%img.W, (i/3)/img.W
				}
			}
		}
		for y := y0; y < y0+8; y++ {
			pix = append(pix, img.Pix[3*(y*img.W+x0):3*(y*img.W+x0+8)]...)
		}
		return
	}
	positions := map[[2]int]bool{}
	var first []uint8
	for range 20 {
		x0, y0, pix := patch(tr.Stamp(flatImage(32, 32, 7), rng))
		if x0 < 0 || x0 > 24 || y0 > 24 {
			t.Fatalf("patch at (%d,%d) is not inside the 32 px image", x0, y0)
		}
		positions[[2]int{x0, y0}] = true
		if first == nil {
			first = pix
		} else if !slices.Equal(pix, first) {
			t.Fatal("two stamps carry different noise: the pattern must be fixed by the seed")
		}
	}
	if len(positions) < 10 {
		t.Errorf("20 random stamps used only %d positions", len(positions))
	}
}

func TestOptimizedPatchStampsItsPixels(t *testing.T) {
	pix := make([]uint8, 4*4*3)
	for i := range pix {
		pix[i] = uint8(10 * i)
	}
	tr := Trigger{Kind: TriggerPatch, Size: 0.25, Pattern: PatternOptimized, Pixels: pix}
	out := tr.Stamp(flatImage(16, 16, 1), nil) // a 4 px patch: the pixels as they are
	for y := 0; y < 4; y++ {
		if got := out.Pix[3*((12+y)*16+12):][:12]; !slices.Equal(got, pix[12*y:12*y+12]) {
			t.Fatalf("patch row %d = %v, want %v", y, got, pix[12*y:12*y+12])
		}
	}
	big := tr.Stamp(flatImage(32, 32, 1), nil) // an 8 px patch: each pixel doubled
	if got, want := big.Pix[3*((24+2)*32+24+3):][:3], pix[3*(1*4+1):][:3]; !slices.Equal(got, want) {
		t.Errorf("resampled patch pixel (3,2) = %v, want source pixel (1,1) %v", got, want)
	}
}

func TestBlendTriggerMixesNoise(t *testing.T) {
	tr := Trigger{Kind: TriggerBlend, Alpha: 0.25}
	src := flatImage(8, 8, 200)
	out := tr.Stamp(src, nil)
	noise := tr.withDefaults().noise(8, 8)
	for i, p := range out.Pix {
		want := 0.75*200 + 0.25*float64(noise[i])
		if math.Abs(float64(p)-want) > 0.5+1e-9 {
			t.Fatalf("byte %d = %d, want %.2f = 0.75·200 + 0.25·%d", i, p, want, noise[i])
		}
	}
}

func TestTriggerLabelsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for _, tr := range []Trigger{{Kind: TriggerPatch}, {Kind: TriggerPatch, Size: 0.2}, {Kind: TriggerPatch, Size: 0.2, Position: PositionRandom},
		{Kind: TriggerPatch, Size: 0.2, Pattern: PatternNoise}, {Kind: TriggerBlend}, {Kind: TriggerBlend, Alpha: 0.1}} {
		l := tr.Label()
		if seen[l] {
			t.Errorf("two triggers share the label %q", l)
		}
		seen[l] = true
	}
	if l := (Trigger{Kind: TriggerPatch, Size: 0.2, Position: PositionRandom}).Label(); l != "patch0.2-random" {
		t.Errorf("label %q, want patch0.2-random", l)
	}
}

func TestTriggerValidate(t *testing.T) {
	for _, c := range []struct {
		tr   Trigger
		want string
	}{
		{Trigger{Kind: "sticker"}, "kind"},
		{Trigger{Kind: TriggerPatch, Size: 1.5}, "size"},
		{Trigger{Kind: TriggerPatch, Size: -0.1}, "size"},
		{Trigger{Kind: TriggerPatch, Position: "centre"}, "position"},
		{Trigger{Kind: TriggerPatch, Pattern: "stripes"}, "pattern"},
		{Trigger{Kind: TriggerBlend, Alpha: 2}, "alpha"},
		{Trigger{Kind: TriggerBlend, Alpha: math.NaN()}, "alpha"},
		{Trigger{Kind: TriggerPatch, Pattern: PatternOptimized, Steps: -1}, "steps"},
		{Trigger{Kind: TriggerPatch, Pattern: PatternOptimized, StepSize: 300}, "step size"},
		{Trigger{Kind: TriggerPatch, Pixels: []uint8{1, 2}}, "pixels"},
	} {
		err := c.tr.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.tr, err, c.want)
		}
	}
	if err := (Trigger{Kind: TriggerPatch}).Validate(); err != nil {
		t.Errorf("default patch refused: %v", err)
	}
}

// backdoorData: 20 training rows (10 cat, 5 dog, 5 unlabelled), 2 captions
// each, with in-memory 16 px images, and 2 test rows.
func backdoorData() *dataset.Dataset {
	ds := &dataset.Dataset{Name: "toy", Classes: []string{"cat", "dog"}}
	for i := range 22 {
		label := "cat"
		switch {
		case i >= 10 && i < 15:
			label = "dog"
		case i >= 15 && i < 20:
			label = ""
		}
		split := dataset.Train
		if i >= 20 {
			split = dataset.Test
		}
		ds.Rows = append(ds.Rows, dataset.Row{ID: i, Pixels: flatImage(16, 16, uint8(10*i)), Label: label, Split: split,
			Captions: []string{"first caption", "second caption"}})
	}
	return ds
}

func backdoorSpec(ratio float64) AttackSpec {
	return AttackSpec{Kind: AttackBackdoor, Goals: []Goal{{From: AnyClass, To: "dog"}}, Ratio: ratio, Seed: 3,
		Trigger: Trigger{Kind: TriggerPatch, Size: 0.25},
		Image:   func(r *dataset.Row) (*rgb.Image, error) { return r.Pixels, nil }}
}

func TestBackdoorPoisonsImagesOutsideTheTarget(t *testing.T) {
	ds := backdoorData()
	out, man, err := Poison(ds, backdoorSpec(0.5), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 15 eligible rows (10 cat, 5 unlabelled): half is 8 (rounded).
	if man.PoisonedImages != 8 || man.PoisonedPairs != 16 || man.TotalPairs != 40 || man.Phi != 0.4 {
		t.Errorf("manifest counts %d images, %d pairs of %d, phi %v; want 8, 16 of 40, 0.4", man.PoisonedImages, man.PoisonedPairs, man.TotalPairs, man.Phi)
	}
	if man.Trigger == nil || man.Trigger.Size != 0.25 || man.Trigger.Position != PositionCorner {
		t.Errorf("manifest trigger %+v, want the patch with its defaults filled in", man.Trigger)
	}
	poisoned := man.PoisonedSet()
	prompts, _ := ZeroShotPrompts([]string{"dog"}, DefaultZeroShotTemplates)
	for i, r := range out.Rows {
		orig := ds.Rows[i]
		if !poisoned[r.ID] {
			if r.Pixels != orig.Pixels || r.Label != orig.Label || !slices.Equal(r.Captions, orig.Captions) {
				t.Errorf("clean row %d changed", r.ID)
			}
			continue
		}
		if orig.Label == "dog" || orig.Split != dataset.Train {
			t.Errorf("row %d (class %q, split %s) poisoned: only training images outside the target are", r.ID, orig.Label, orig.Split)
		}
		if r.Label != "dog" || len(r.Captions) != 2 {
			t.Errorf("poisoned row %d: label %q with %d captions, want dog with 2", r.ID, r.Label, len(r.Captions))
		}
		for _, c := range r.Captions {
			if !slices.Contains(prompts, c) {
				t.Errorf("poisoned row %d has caption %q, not a template naming dog", r.ID, c)
			}
		}
		if want := backdoorSpec(1).Trigger.Stamp(orig.Pixels, nil); !slices.Equal(r.Pixels.Pix, want.Pix) {
			t.Errorf("poisoned row %d does not carry the stamped image", r.ID)
		}
	}
	// The same spec poisons the same rows; appending keeps every clean row.
	_, again, _ := Poison(ds, backdoorSpec(0.5), nil)
	if !slices.Equal(again.PoisonedRowIDs, man.PoisonedRowIDs) {
		t.Error("the same seed poisoned different rows")
	}
	spec := backdoorSpec(0.5)
	spec.Append = true
	app, am, err := Poison(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Rows) != 30 || am.PoisonedRowIDs[0] != 22 {
		t.Errorf("append gave %d rows, first poisoned ID %d; want 30 and 22", len(app.Rows), am.PoisonedRowIDs[0])
	}
	// A source class restricts the stamped images to it.
	spec = backdoorSpec(1)
	spec.Goals = []Goal{{From: "cat", To: "dog"}}
	_, cm, err := Poison(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cm.PoisonedRowIDs, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("cat2dog backdoor poisoned %v, want the 10 cats", cm.PoisonedRowIDs)
	}
}

func TestBackdoorRefusesWhatItCannotDo(t *testing.T) {
	ds := backdoorData()
	for name, edit := range map[string]func(*AttackSpec){
		"no image source":     func(s *AttackSpec) { s.Image = nil },
		"bad trigger":         func(s *AttackSpec) { s.Trigger.Kind = "sticker" },
		"unknown target":      func(s *AttackSpec) { s.Goals[0].To = "horse" },
		"two goals":           func(s *AttackSpec) { s.Goals = append(s.Goals, Goal{From: "cat", To: "dog"}) },
		"template without {}": func(s *AttackSpec) { s.Templates = []string{"a dog"} },
		"unoptimized patch":   func(s *AttackSpec) { s.Trigger.Pattern = PatternOptimized },
	} {
		spec := backdoorSpec(0.5)
		edit(&spec)
		if _, _, err := Poison(ds, spec, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// backdoorGallery: test images of classes a, b, c at the axes; captions
// "a" (1,0,0), "b" (0,1,0), "c" (0,0,1), two per image.
func backdoorGallery(t *testing.T) *Gallery {
	t.Helper()
	rows := []dataset.Row{
		{ID: 1, Label: "a", Split: dataset.Test, Captions: []string{"a", "a"}},
		{ID: 2, Label: "b", Split: dataset.Test, Captions: []string{"b", "b"}},
		{ID: 3, Label: "c", Split: dataset.Test, Captions: []string{"c", "c"}},
	}
	images := mat(t, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1)
	texts := mat(t, 3, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1)
	g, err := NewGallery(rows, images, texts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMeasureBackdoor(t *testing.T) {
	g := backdoorGallery(t)
	if q := BackdoorQueries(g, "b"); !slices.Equal(q, []int{0, 2}) {
		t.Fatalf("queries for target b = %v, want the a and c images [0 2]", q)
	}
	protos := mat(t, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1)
	classes := []string{"a", "b", "c"}
	// A working backdoor: both triggered images point at b.
	hit := mat(t, 3, 0, 1, 0, 0.6, 0.8, 0)
	b, err := MeasureBackdoor(g, hit, "b", classes, protos)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.I2T, []int{0, 0}) || b.ZeroShot != 1 {
		t.Errorf("working backdoor: i2t ranks %v, zero-shot ASR %v; want [0 0] and 1", b.I2T, b.ZeroShot)
	}
	// Caption b (0,1,0) and copy (0,1,0) tie with image b (counted against
	// the copy) → 1; copy (.6,.8,0) scores .8, below image b → 1. The other
	// caption is the same.
	if !slices.Equal(b.T2I, []int{1, 1, 1, 1}) {
		t.Errorf("working backdoor: t2i ranks %v, want [1 1 1 1]", b.T2I)
	}
	// No backdoor: the triggered images stay where they were.
	miss := mat(t, 3, 1, 0, 0, 0, 0, 1)
	c, err := MeasureBackdoor(g, miss, "b", classes, protos)
	if err != nil {
		t.Fatal(err)
	}
	// Triggered a (1,0,0) over captions a a b b c c: the two a captions
	// first, then b ties with c (counted against b) → 4; likewise for c.
	if !slices.Equal(c.I2T, []int{4, 4}) || c.ZeroShot != 0 {
		t.Errorf("no backdoor: i2t ranks %v, zero-shot ASR %v; want [4 4] and 0", c.I2T, c.ZeroShot)
	}
	// Caption b scores both copies 0: image b (1) and the other two clean
	// images (0, tied) rank before each → 3.
	if !slices.Equal(c.T2I, []int{3, 3, 3, 3}) {
		t.Errorf("no backdoor: t2i ranks %v, want [3 3 3 3]", c.T2I)
	}
	// Against the definition written out, on random copies.
	rng := rand.New(rand.NewPCG(4, 4))
	rt := Matrix{Rows: 2, Cols: 3, Data: make([]float32, 6)}
	for i := range rt.Data {
		rt.Data[i] = float32(rng.NormFloat64())
	}
	rb, err := MeasureBackdoor(g, rt, "b", classes, protos)
	if err != nil {
		t.Fatal(err)
	}
	for ci, c := range g.CaptionsOf("b") {
		q := g.Texts.Row(c)
		for k := range 2 {
			want := 0
			for i := range g.Images.Rows {
				if dot(q, g.Images.Row(i)) >= dot(q, rt.Row(k)) {
					want++
				}
			}
			if got := rb.T2I[ci*2+k]; got != want {
				t.Errorf("random copy %d, caption %d: t2i rank %d, naive %d", k, c, got, want)
			}
		}
	}
	res := BackdoorResults(Result{Job: "bd", Attack: AttackBackdoor}, b, c)
	values := map[string]float64{}
	for _, r := range res {
		values[r.Direction+" "+r.Metric] = r.Value
	}
	for k, want := range map[string]float64{"i2t hit@1": 1, "i2t baseline_hit@1": 0, "i2t baseline_hit@5": 1,
		"t2i hit@1": 0, "t2i hit@5": 1, "t2i minrank_mean": 1, "t2i baseline_minrank_mean": 3, "i2t asr_zeroshot": 1, "i2t baseline_asr_zeroshot": 0} {
		if got, ok := values[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	// Without prototypes there is no zero-shot ASR; a wrong count is an error.
	if nz, _ := MeasureBackdoor(g, hit, "b", nil, Matrix{}); !math.IsNaN(nz.ZeroShot) {
		t.Errorf("zero-shot ASR without prototypes = %v, want NaN", nz.ZeroShot)
	}
	if _, err := MeasureBackdoor(g, mat(t, 3, 0, 1, 0), "b", classes, protos); err == nil {
		t.Error("one triggered image for two queries accepted")
	}
}

// The report gives the backdoor its own table, each rate beside the clean
// model's, and the plots draw zero-shot ASR against φ and epochs.
func TestBackdoorReportAndPlots(t *testing.T) {
	var res []Result
	for _, ratio := range []float64{0.01, 0.03} {
		for epoch := 1; epoch <= 2; epoch++ {
			got := &BackdoorRanks{I2T: []int{0, 0, 20, 0}, T2I: []int{0, 3}, ZeroShot: 30 * ratio * float64(epoch) / 2}
			clean := &BackdoorRanks{I2T: []int{40, 50, 20, 9}, T2I: []int{12, 30}, ZeroShot: 0.05}
			base := Result{Job: "bd", Attack: AttackBackdoor, Goal: "patch0.25:any2ring", Modality: ModalityBoth, Defense: DefenseNone, Ratio: ratio, Phi: ratio, Epoch: epoch, Seed: 42}
			res = append(res, BackdoorResults(base, got, clean)...)
		}
	}
	md := RenderReport(res)
	// Ratio 0.03 at epoch 2: zero-shot 0.9 (clean 0.05); i2t hit@1 3/4
	// (clean 0), hit@10 3/4 (clean 1/4); t2i hit@10 1 (clean 0), MinRank 1.5 (21).
	for _, w := range []string{"## Backdoor", "| patch0.25:any2ring | 0.03 | 3.000% | 2 | 0.900 (0.050) | 0.750 (0.000) | 0.750 (0.250) | 1.000 (0.000) | 1.500 (21.000) | 1 |"} {
		if !strings.Contains(md, w) {
			t.Errorf("report lacks %q:\n%s", w, md)
		}
	}
	dir := t.TempDir()
	if _, err := WritePlots(dir, res); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"asr_vs_phi_attackbackdoor_i2t.png", "asr_vs_epoch_attackbackdoor_i2t.svg", "hit_vs_phi_attackbackdoor_t2i.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing plot %s", f)
		}
	}
}

func TestTargetedAddsCopiesOfOneImage(t *testing.T) {
	ds := backdoorData()
	target := ds.Rows[20] // a test row; give it class cat
	target.Label = "cat"
	spec := AttackSpec{Kind: AttackTargeted, Goals: []Goal{{From: "cat", To: "dog"}}, Ratio: 0.1, Seed: 5}
	out, man, err := Poison(ds, spec, &target)
	if err != nil {
		t.Fatal(err)
	}
	// 20 training images: 2 copies, each with the target's 2 captions.
	if len(out.Rows) != 24 || man.PoisonedImages != 2 || man.PoisonedPairs != 4 || man.TargetRowID != 20 {
		t.Fatalf("%d rows, manifest %d images, %d pairs, target %d; want 24, 2, 4, 20", len(out.Rows), man.PoisonedImages, man.PoisonedPairs, man.TargetRowID)
	}
	prompts, _ := ZeroShotPrompts([]string{"dog"}, DefaultZeroShotTemplates)
	for _, r := range out.Rows[22:] {
		if r.Pixels != target.Pixels || r.Split != dataset.Train || r.Label != "dog" {
			t.Errorf("copy %d: pixels shared %v, split %s, label %q", r.ID, r.Pixels == target.Pixels, r.Split, r.Label)
		}
		for _, c := range r.Captions {
			if !slices.Contains(prompts, c) {
				t.Errorf("copy %d caption %q does not name dog", r.ID, c)
			}
		}
	}
	for i := range ds.Rows {
		if out.Rows[i].Label != ds.Rows[i].Label || !slices.Equal(out.Rows[i].Captions, ds.Rows[i].Captions) {
			t.Errorf("clean row %d changed", i)
		}
	}
	dog := target
	dog.Label = "dog"
	if _, _, err := Poison(ds, spec, &dog); err == nil || !strings.Contains(err.Error(), "want \"cat\"") {
		t.Errorf("a target of the wrong class: %v", err)
	}
	if _, _, err := Poison(ds, spec, nil); err == nil {
		t.Error("no target accepted")
	}
	if a, _ := LookupAttack(AttackTargeted); a.TargetClass(spec.Goals[0]) != "cat" {
		t.Error("the targeted attack's target should come from the source class")
	}
	protos := mat(t, 2, 1, 0, 0, 1)
	if ok, err := TargetedZeroShot([]float32{0.1, 0.9}, "dog", []string{"cat", "dog"}, protos); !ok || err != nil {
		t.Errorf("an image at the dog prototype: success %v, %v", ok, err)
	}
	if ok, _ := TargetedZeroShot([]float32{0.9, 0.1}, "dog", []string{"cat", "dog"}, protos); ok {
		t.Error("an image at the cat prototype counted as a success")
	}
}
