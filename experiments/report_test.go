package experiments

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeResults builds a small grid of results with values that encode their
// configuration, so table cells can be checked.
func fakeResults() []Result {
	var out []Result
	add := func(base Result, metric string, v float64) {
		base.Metric, base.Value = metric, v
		out = append(out, base)
	}
	attack := func(base Result, hit1, minrank float64) {
		for i, k := range HitKs {
			add(base, HitMetric(k), math.Min(1, hit1+0.1*float64(i)))
			add(base, MetricBaselinePrefix+HitMetric(k), 0.01*float64(i))
		}
		add(base, MetricMinRankMean, minrank)
		add(base, MetricMinRankMedian, minrank-1)
		add(base, MetricBaselineMinRankMean, 79.168)
		add(base, MetricBaselineMinRankMedian, 70)
	}
	utility := func(base Result, r10 float64) {
		u := &UtilityScores{IR: RankSummary{Hit: []float64{0.5, 0.9, r10}}, TR: RankSummary{Hit: []float64{0.6, 0.95, r10 + 0.01}}}
		out = append(out, u.Results(base)...)
	}
	b := Result{Job: "clean", Attack: AttackNone, Modality: ModalityBoth, Defense: DefenseNone, Epoch: 10, Seed: 42}
	utility(b, 0.971)
	for _, seed := range []uint64{42, 43} { // two seeds average to hit@1 0.32
		for _, ratio := range []float64{0.5, 1} {
			for epoch := 1; epoch <= 2; epoch++ {
				r := Result{Job: "I", Attack: AttackSingleImage, Goal: "sheep2aeroplane", Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Ratio: ratio, Phi: 0.0008 * ratio, Epoch: epoch, Seed: seed}
				attack(r, 0.3*ratio*float64(epoch)/2+float64(seed-42)*0.04-0.02, 2.184*float64(3-epoch)/ratio)
			}
		}
	}
	for i, g := range []string{"sheep2aeroplane", "aeroplane2sheep", "sheep2bird"} {
		r := Result{Job: "II-" + g, Attack: AttackSingleLabel, Goal: g, Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Ratio: 1, Phi: 0.0008, Epoch: 10, Seed: 42}
		attack(r, 0.28, 2.192+float64(i))
		utility(r, 0.96)
	}
	for i, g := range []string{"goal1:sheep2aeroplane", "goal2:sofa2bird"} {
		r := Result{Job: "III", Attack: AttackMultiLabel, Goal: g, Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Ratio: 1, Phi: 0.0016, Epoch: 10, Seed: 42}
		attack(r, []float64{0.352, 0.008}[i], []float64{2.224, 12.792}[i])
	}
	frozen := Result{Job: "II-img", Attack: AttackSingleLabel, Goal: "sheep2aeroplane", Direction: T2I, Modality: ModalityImage, Defense: DefenseNone, Ratio: 1, Epoch: 10, Seed: 42}
	attack(frozen, 0.111, 1.5)
	def := Result{Job: "II-filter", Attack: AttackSingleLabel, Goal: "sheep2aeroplane", Direction: T2I, Modality: ModalityBoth, Defense: DefenseFilter, Ratio: 1, Epoch: 10, Seed: 42}
	attack(def, 0, 49.576)
	utility(def, 0.970)
	return out
}

func TestRenderReport(t *testing.T) {
	md := RenderReport(fakeResults())
	want := []string{
		"## Utility (clean test retrieval)",
		"| none | – | both | none | 0 | 10 | 0.600 | 0.950 | 0.981 | 0.500 | 0.900 | 0.971 | 1 |",
		"## Attack I (text→image)",
		// ratio 1, last epoch 2: hit@1 = 0.3 ± 0.02 over two seeds = 0.3,
		// MinRank 2.184·1/1; baseline MinRank 79.168; n = 2 seeds.
		"| sheep2aeroplane | 1 | 0.080% | 2 | attack | 0.300 ± 0.028 | 0.400 ± 0.028 | 0.500 ± 0.028 | 0.600 ± 0.028 | 0.700 ± 0.028 | 0.800 ± 0.028 | 2.184 ± 0.000 | 1.184 ± 0.000 | 2 |",
		"| sheep2aeroplane | 1 | 0.080% | 2 | baseline | 0.000 ± 0.000 | 0.010 ± 0.000 | 0.020 ± 0.000 | 0.030 ± 0.000 | 0.040 ± 0.000 | 0.050 ± 0.000 | 79.168 ± 0.000 | 70.000 ± 0.000 | 2 |",
		"## Attack II (text→image)",
		"| sheep2bird | 1 | 0.080% | 10 | attack | 0.280 |",
		"## Attack III (goal 1 / goal 2)",
		"| t2i | goal1:sheep2aeroplane + goal2:sofa2bird | 1 | 0.160% | 10 | attack | 0.352 / 0.008 |",
		"2.224 / 12.792 |",
		"## Frozen towers (modality)",
		"| image | II | sheep2aeroplane | t2i | 1 | 10 | 0.111 |",
		"## Defenses",
		"| filter | II | sheep2aeroplane | t2i | 1 | 10 | 0.000 |",
		"49.576 | 48.576 | 1 | 0.980 | 0.970 |",
	}
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if strings.Contains(md, "| sheep2aeroplane | 1 | 0.080% | 1 |") {
		t.Error("attack table shows a non-final epoch")
	}
	if t.Failed() {
		t.Log(md)
	}
	path := filepath.Join(t.TempDir(), "report.md")
	if err := WriteReport(path, fakeResults()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != md {
		t.Error("WriteReport wrote something else than RenderReport")
	}
}

func checkPlotFiles(t *testing.T, paths []string) {
	t.Helper()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(p) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil || img.Bounds().Dx() < 100 {
				t.Errorf("%s: not a usable PNG: %v", p, err)
			}
		case ".svg":
			if !bytes.Contains(data, []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("</svg>")) {
				t.Errorf("%s: not a complete SVG", p)
			}
		default:
			t.Errorf("unexpected file %s", p)
		}
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	paths, err := WritePlots(dir, fakeResults())
	if err != nil {
		t.Fatal(err)
	}
	// Attack I has 2 ratios and 2 epochs: hit and minrank, vs ratio and vs
	// epoch, PNG+SVG = 8 files; II and III have one ratio and epoch: none.
	// Heat map over sheep, aeroplane, bird (t2i): 2 more.
	want := []string{"hit_vs_ratio_attackI_t2i.png", "minrank_vs_epoch_attackI_t2i.svg", "minrank_heatmap_t2i.png"}
	if len(paths) != 10 {
		t.Errorf("wrote %d files, want 10: %v", len(paths), paths)
	}
	for _, w := range want {
		if _, err := os.Stat(filepath.Join(dir, w)); err != nil {
			t.Errorf("missing %s", w)
		}
	}
	checkPlotFiles(t, paths)
	classes, grid := MinRankGrid(fakeResults(), T2I)
	// classes sorted: aeroplane, bird, sheep; sheep2aeroplane = 2.192,
	// aeroplane2sheep = 3.192, sheep2bird = 4.192.
	if strings.Join(classes, ",") != "aeroplane,bird,sheep" || grid[2][0] != 2.192 || grid[0][2] != 3.192 || grid[2][1] != 4.192 || !math.IsNaN(grid[1][2]) {
		t.Errorf("grid %v %v", classes, grid)
	}
}

func TestPlotDistanceHistogram(t *testing.T) {
	clean := []float64{0.7, 0.72, 0.75, 0.76, 0.74, 0.78, 0.73}
	poisoned := []float64{0.84, 0.86, 0.85}
	paths, err := PlotDistanceHistogram(clean, poisoned, 0.8, filepath.Join(t.TempDir(), "distances"))
	if err != nil || len(paths) != 2 {
		t.Fatalf("paths %v err %v", paths, err)
	}
	checkPlotFiles(t, paths)
	if _, err := PlotDistanceHistogram(nil, nil, 0.8, filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := PlotMinRankHeatmap([]string{"a", "b"}, [][]float64{{1}}, "t", filepath.Join(t.TempDir(), "h")); err == nil {
		t.Error("ragged grid accepted")
	}
	if _, err := PlotCurves(nil, CurveSpec{X: "time"}, "x"); err == nil {
		t.Error("unknown x axis accepted")
	}
}

func TestHeatmapWithOneDistinctValueOrNaNs(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	for name, grid := range map[string][][]float64{
		"flat": {{nan, 3}, {3, nan}},
		"nan":  {{nan, nan}, {nan, nan}},
	} {
		files, err := PlotMinRankHeatmap([]string{"a", "b"}, grid, "t", filepath.Join(dir, name))
		if err != nil || len(files) != 2 {
			t.Errorf("%s grid: files %v, error %v", name, files, err)
		}
	}
}

// The runner records utility once per model (goal ""); the defenses table
// must still show it beside each goal's attack metrics, with the filter's
// precision and recall.
func TestDefenseTableShowsModelUtility(t *testing.T) {
	base := Result{Job: "j", Attack: "II", Modality: "both", Defense: "filter", Ratio: 1, Epoch: 2, Seed: 1}
	var res []Result
	add := func(goal, dir, metric string, epoch int, v float64) {
		r := base
		r.Goal, r.Direction, r.Metric, r.Epoch, r.Value = goal, dir, metric, epoch, v
		res = append(res, r)
	}
	for _, k := range HitKs {
		add("a2b", T2I, HitMetric(k), 2, 0.25)
	}
	add("a2b", T2I, "minrank_mean", 2, 7)
	add("", T2I, MetricIRPrefix+"10", 2, 0.875)
	add("", I2T, MetricTRPrefix+"10", 2, 0.625)
	add("", T2I, "filter_precision", 0, 0.33)
	add("", T2I, "filter_recall", 0, 0.99)
	report := RenderReport(res)
	if !strings.Contains(report, "| 0.625 | 0.875 | 0.330 | 0.990 |") {
		t.Errorf("defenses table lacks utility and filter quality:\n%s", report)
	}
}

// The matrix puts each attack's own metric under each defense it met, with
// the model's IR R@10 beside it.
func TestDefenseMatrix(t *testing.T) {
	var res []Result
	add := func(attack, goal, dir, defense, metric string, v float64) {
		res = append(res, Result{Job: attack + defense, Attack: attack, Goal: goal, Direction: dir, Modality: ModalityBoth,
			Defense: defense, Ratio: 1, Epoch: 3, Seed: 1, Metric: metric, Value: v})
	}
	for i, d := range []string{DefenseNone, "roclip", "safeclip"} {
		add("II", "a2b", T2I, d, HitMetric(1), 0.1)
		add("II", "a2b", T2I, d, HitMetric(10), 0.9-0.4*float64(i))
		add("II", "", T2I, d, MetricIRPrefix+"10", 0.25)
		add(AttackBackdoor, "patch:any2b", I2T, d, HitMetric(1), 0.1)
		add(AttackBackdoor, "patch:any2b", I2T, d, MetricASRZeroShot, 0.75-0.25*float64(i))
		add(AttackBackdoor, "", T2I, d, MetricIRPrefix+"10", 0.5)
	}
	add("II", "a2b", T2I, DefenseNone, MetricBaselinePrefix+HitMetric(10), 0.125)
	report := RenderReport(res)
	for _, want := range []string{
		"| Attack | Goal | Ratio | baseline | none | roclip | safeclip |",
		"| II (t2i Hit@10) | a2b | 1 | 0.125 | 0.900 / 0.250 | 0.500 / 0.250 | 0.100 / 0.250 |",
		"| backdoor (zero-shot ASR) | patch:any2b | 1 | – | 0.750 / 0.500 | 0.500 / 0.500 | 0.250 / 0.500 |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the defense matrix lacks %q:\n%s", want, report)
		}
	}
}

// One goal is a number, not a map: no heat map is drawn for it.
func TestNoHeatmapForOneGoal(t *testing.T) {
	var res []Result
	for _, r := range fakeResults() {
		if r.Attack != AttackSingleLabel || r.Goal == "sheep2aeroplane" {
			res = append(res, r)
		}
	}
	classes, grid := MinRankGrid(res, T2I)
	dir := t.TempDir()
	paths, err := WritePlots(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.Contains(p, "heatmap") {
			t.Errorf("a heat map over %v (%v) was drawn: %s", classes, grid, p)
		}
	}
}
