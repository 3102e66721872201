package experiments

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// ladderRun is the results of one run: a clean model of the given R@10 and
// Hit@10, and attack II on a2b at two ratios over two epochs.
func ladderRun(r10, cleanHit, hitEp2 float64) []Result {
	rs := []Result{
		{Job: "clean", Attack: AttackNone, Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Metric: MetricIRPrefix + "10", Value: r10},
		{Job: "clean", Attack: AttackNone, Direction: I2T, Modality: ModalityBoth, Defense: DefenseNone, Metric: MetricTRPrefix + "10", Value: r10 + 0.01},
		{Job: "clean", Attack: AttackNone, Goal: "a2b", Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Metric: HitMetric(10), Value: cleanHit},
	}
	for _, ratio := range []float64{0.5, 1} {
		for ep, v := range map[int]float64{1: hitEp2 / 2, 2: hitEp2 * ratio} {
			rs = append(rs, Result{Job: "II", Attack: AttackSingleLabel, Goal: "a2b", Direction: T2I, Modality: ModalityBoth, Defense: DefenseNone, Ratio: ratio, Epoch: ep, Metric: HitMetric(10), Value: v})
		}
	}
	// A defended job and another goal must not be taken for the attack.
	rs = append(rs, Result{Job: "IIf", Attack: AttackSingleLabel, Goal: "a2b", Direction: T2I, Modality: ModalityBoth, Defense: DefenseFinetune, Ratio: 1, Epoch: 9, Metric: HitMetric(10), Value: 0.99})
	return rs
}

func TestSusceptibilityReadsEachRunsCleanModelAndAttack(t *testing.T) {
	pts, err := Susceptibility([]string{"good", "weak"}, [][]Result{ladderRun(0.3, 0.1, 0.8), ladderRun(0.1, 0.2, 0.4)}, AttackSingleLabel, "a2b")
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].Run != "weak" || pts[1].Run != "good" {
		t.Fatalf("points %+v, want weak then good", pts)
	}
	g := pts[1]
	if g.CleanIR != 0.3 || math.Abs(g.CleanTR-0.31) > 1e-12 || g.CleanHit != 0.1 || g.AttackHit != 0.8 || g.Epoch != 2 {
		t.Errorf("good run: %+v, want IR 0.3, TR 0.31, clean Hit 0.1, Hit 0.8 at epoch 2 of ratio 1", g)
	}
	table := SusceptibilityTable(pts)
	if !strings.Contains(table, "| good | 0.300 / 0.310 | 0.100 | 0.800 (epoch 2) | +0.700 |") {
		t.Errorf("table:\n%s", table)
	}
	if _, err := PlotSusceptibility(pts, "t", filepath.Join(t.TempDir(), "s")); err != nil {
		t.Error(err)
	}
	_, err = Susceptibility([]string{"x"}, [][]Result{ladderRun(0.3, 0.1, 0.8)}, AttackSingleLabel, "c2d")
	if err == nil || !strings.Contains(err.Error(), "run x lacks") || !strings.Contains(err.Error(), "c2d") {
		t.Errorf("a run without the goal: %v", err)
	}
}
