package experiments

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

// tinyGallery: images r0=(1,0,0) class a, r1=(0,1,0) b, r2=(0,.6,.8) b,
// r3=(0,0,1) c; captions a0=(0,1,0) a1=(1,0,0) | b0=(0,1,0) | b1=(0,.6,.8) |
// c0=(0,0,1) c1=(.6,.8,0).
func tinyGallery(t *testing.T) *Gallery {
	t.Helper()
	rows := []dataset.Row{
		{ID: 10, Label: "a", Split: dataset.Test, Captions: []string{"a0", "a1"}},
		{ID: 11, Label: "b", Split: dataset.Test, Captions: []string{"b0"}},
		{ID: 12, Label: "b", Split: dataset.Test, Captions: []string{"b1"}},
		{ID: 13, Label: "c", Split: dataset.Test, Captions: []string{"c0", "c1"}},
	}
	images := mat(t, 3, 1, 0, 0, 0, 1, 0, 0, 0.6, 0.8, 0, 0, 1)
	texts := mat(t, 3, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0.6, 0.8, 0, 0, 1, 0.6, 0.8, 0)
	g, err := NewGallery(rows, images, texts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestEvalT2I(t *testing.T) {
	g := tinyGallery(t)
	targets := g.ImagesOf("b")
	if !slices.Equal(targets, []int{1, 2}) {
		t.Fatalf("ImagesOf(b) = %v", targets)
	}
	ev, err := EvalT2I(g, "a", targets, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	// a0=(0,1,0): r1 scores 1, the top → 0.
	// a1=(1,0,0): targets r1, r2 both 0; r0 (1) and r3 (0, tied) rank before → 2.
	if want := []int{0, 2}; !slices.Equal(ev.Ranks, want) {
		t.Fatalf("t2i ranks = %v, want %v", ev.Ranks, want)
	}
	if ev.Attack.Hit[0] != 0.5 || ev.Attack.Hit[1] != 1 || ev.Attack.Mean != 1 {
		t.Errorf("attack summary %+v, want hit@1 .5, hit@5 1, mean 1", ev.Attack)
	}
	// Baseline: 2 captions from those not on target rows: a0, a1, c0, c1
	// (indices 0,1,4,5), whose ranks towards {r1,r2} are 0, 2, 0 (c0 scores
	// r2 .8 top), 0 (c1 scores r1 .8 top).
	if len(ev.BaselineRanks) != 2 {
		t.Fatalf("baseline has %d queries, want 2", len(ev.BaselineRanks))
	}
	for _, r := range ev.BaselineRanks {
		if r != 0 && r != 2 {
			t.Errorf("baseline rank %d is not one of the pool's ranks {0,2}", r)
		}
	}
	if ev.Direction != T2I {
		t.Errorf("direction %q", ev.Direction)
	}
}

func TestEvalI2T(t *testing.T) {
	g := tinyGallery(t)
	ev, err := EvalI2T(g, "a", g.ImagesOf("b"), rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	// r1=(0,1,0) vs captions: a0 1, a1 0, b0 1, b1 .6, c0 0, c1 .8; best
	// target a0 ties with non-target b0 → 1.
	// r2=(0,.6,.8): a0 .6, a1 0, b0 .6, b1 1, c0 .8, c1 .48; best target .6;
	// b0 (tie), b1, c0 rank before → 3.
	if want := []int{1, 3}; !slices.Equal(ev.Ranks, want) {
		t.Fatalf("i2t ranks = %v, want %v", ev.Ranks, want)
	}
	if ev.Attack.Median != 2 || ev.Attack.Hit[0] != 0 || ev.Attack.Hit[1] != 1 {
		t.Errorf("summary %+v", ev.Attack)
	}
	if len(ev.BaselineRanks) != 2 || ev.Direction != I2T {
		t.Errorf("baseline ranks %v direction %q", ev.BaselineRanks, ev.Direction)
	}
	if _, err := EvalI2T(g, "zzz", []int{1}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("class without captions accepted")
	}
}

func TestUtility(t *testing.T) {
	u, err := Utility(tinyGallery(t))
	if err != nil {
		t.Fatal(err)
	}
	// IR ranks (own image): a0 3, a1 0, b0 0, b1 0, c0 0, c1 3 (all images
	// score ≥ 0 against c1's own r3 at 0).
	if want := []float64{4.0 / 6, 1, 1}; !slices.Equal(u.IR.Hit, want) || u.IR.Mean != 1 || u.IR.Median != 0 {
		t.Errorf("IR = %+v, want R@ %v mean 1 median 0", u.IR, want)
	}
	// TR ranks (any own caption): r0 0, r1 1 (a0 ties b0), r2 0, r3 0.
	if want := []float64{0.75, 1, 1}; !slices.Equal(u.TR.Hit, want) || u.TR.Mean != 0.25 {
		t.Errorf("TR = %+v, want R@ %v mean .25", u.TR, want)
	}
	res := u.Results(Result{Job: "j"})
	if len(res) != 6 || res[0].Metric != "ir_r@1" || res[0].Direction != T2I || res[1].Metric != "tr_r@1" || res[1].Direction != I2T {
		t.Errorf("utility results %+v", res)
	}
}

func TestPairAndCosineDistance(t *testing.T) {
	img := mat(t, 2, 1, 0, 0, 2, 3, 4)
	txt := mat(t, 2, 1, 0, 1, 0, -3, -4)
	d, err := PairDistances(img, txt)
	if err != nil {
		t.Fatal(err)
	}
	// same direction 0, orthogonal 1, opposite 2 (norms do not matter).
	if want := []float64{0, 1, 2}; !slices.Equal(d, want) {
		t.Errorf("PairDistances = %v, want %v", d, want)
	}
	mean, err := CosineDistance(img, txt)
	if err != nil || mean != 1 {
		t.Errorf("CosineDistance = %v, %v; want 1", mean, err)
	}
	if _, err := PairDistances(img, mat(t, 2, 1, 0)); err == nil {
		t.Error("shape mismatch accepted")
	}
}

func TestChooseTargetCentroid(t *testing.T) {
	ds := &dataset.Dataset{Name: "t", Rows: []dataset.Row{
		{ID: 0, Label: "b", Split: dataset.Train, Image: "tr.png"},
		{ID: 1, Label: "b", Split: dataset.Test, Image: "x.png"},
		{ID: 2, Label: "b", Split: dataset.Test, Image: "y.png"},
		{ID: 3, Label: "a", Split: dataset.Test, Image: "a.png"},
		{ID: 4, Label: "b", Split: dataset.Test, Image: "z.png"},
	}}
	// Candidates rows 1,2,4: (1,0), (.8,.6), (.6,.8); centroid direction
	// (2.4,1.4); cosines .864, .994, .922 → row 2.
	emb := mat(t, 2, 1, 0, 0.8, 0.6, 0.6, 0.8)
	r, err := ChooseTarget(ds, "b", TargetSpec{Mode: TargetCentroid}, &emb)
	if err != nil || r.ID != 2 {
		t.Fatalf("centroid target = %+v, %v; want row 2", r, err)
	}
	r1, err := ChooseTarget(ds, "b", TargetSpec{Mode: TargetRandom, Seed: 7}, nil)
	if err != nil || r1.Label != "b" || r1.Split != dataset.Test {
		t.Fatalf("random target = %+v, %v", r1, err)
	}
	r2, _ := ChooseTarget(ds, "b", TargetSpec{Mode: TargetRandom, Seed: 7}, nil)
	if r2.ID != r1.ID {
		t.Errorf("random target not reproducible: %d vs %d", r1.ID, r2.ID)
	}
	if r, err := ChooseTarget(ds, "b", TargetSpec{Mode: TargetPath, Path: "z.png"}, nil); err != nil || r.ID != 4 {
		t.Errorf("path target = %+v, %v", r, err)
	}
	for name, spec := range map[string]TargetSpec{
		"missing row": {Mode: TargetRow, RowID: 99},
		"bad mode":    {Mode: "nearest"},
		"no emb":      {Mode: TargetCentroid},
	} {
		if _, err := ChooseTarget(ds, "b", spec, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	short := mat(t, 2, 1, 0)
	if _, err := ChooseTarget(ds, "b", TargetSpec{Mode: TargetCentroid}, &short); err == nil {
		t.Error("embedding count mismatch accepted")
	}
}

func TestAttackEvalResults(t *testing.T) {
	ev := &AttackEval{Direction: T2I, Attack: Summarize([]int{0, 4}), Baseline: Summarize([]int{9, 70})}
	res := ev.Results(Result{Job: "j", Attack: "II", Goal: "a2b"})
	if len(res) != 2*(len(HitKs)+2) {
		t.Fatalf("%d results", len(res))
	}
	byMetric := map[string]float64{}
	for _, r := range res {
		if r.Direction != T2I || r.Job != "j" {
			t.Errorf("bad base fields %+v", r)
		}
		byMetric[r.Metric] = r.Value
	}
	if byMetric["hit@1"] != 0.5 || byMetric["minrank_mean"] != 2 || byMetric["baseline_hit@10"] != 0.5 || byMetric["baseline_minrank_median"] != 39.5 {
		t.Errorf("metrics %v", byMetric)
	}
	if math.IsNaN(byMetric["hit@50"]) {
		t.Error("hit@50 NaN")
	}
}
