package experiments

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

// tinyTrainSet: train rows a×6 (IDs 0-5, row 0 has 3 captions, others 2),
// b×3 (6-8), c×2 (9-10), d×2 (11-12); test rows b×2 (13-14), e×1 (15, a
// class with no training images).
func tinyTrainSet() *dataset.Dataset {
	ds := &dataset.Dataset{Name: "tiny", Classes: []string{"a", "b", "c", "d", "e"}}
	add := func(label, split string, n int) {
		for range n {
			id := len(ds.Rows)
			caps := []string{fmt.Sprintf("%s cap %d.0", label, id), fmt.Sprintf("%s cap %d.1", label, id)}
			if id == 0 {
				caps = append(caps, "a cap 0.2")
			}
			ds.Rows = append(ds.Rows, dataset.Row{ID: id, Image: fmt.Sprintf("%s%d.jpg", label, id), Captions: caps, Label: label, Split: split})
		}
	}
	add("a", dataset.Train, 6)
	add("b", dataset.Train, 3)
	add("c", dataset.Train, 2)
	add("d", dataset.Train, 2)
	add("b", dataset.Test, 2)
	add("e", dataset.Test, 1)
	return ds
}

// snapshot deep-copies rows so later mutation of shared slices shows up.
func snapshot(ds *dataset.Dataset) []dataset.Row {
	out := slices.Clone(ds.Rows)
	for i := range out {
		out[i].Captions = slices.Clone(out[i].Captions)
	}
	return out
}

func TestPoisonAttackIIOverwrite(t *testing.T) {
	ds := tinyTrainSet()
	before := snapshot(ds)
	spec := AttackSpec{Kind: AttackSingleLabel, Goals: []Goal{{"a", "b"}}, Ratio: 0.5}
	out, m, err := Poison(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, ds.Rows) {
		t.Fatal("Poison modified its input")
	}
	// round(0.5·6) = 3 rows; the IDs are pinned for seed 42 (DefaultSeed) so
	// a change in sampling is noticed.
	if want := []int{0, 4, 5}; !slices.Equal(m.PoisonedRowIDs, want) {
		t.Errorf("poisoned rows %v, want %v", m.PoisonedRowIDs, want)
	}
	again, m2, _ := Poison(ds, spec, nil)
	if !slices.Equal(m2.PoisonedRowIDs, m.PoisonedRowIDs) || !reflect.DeepEqual(again.Rows, out.Rows) {
		t.Error("same seed gave a different poisoning")
	}
	if len(out.Rows) != len(ds.Rows) {
		t.Fatalf("overwrite changed the row count: %d → %d", len(ds.Rows), len(out.Rows))
	}
	used := map[string]int{}
	for i, id := range m.PoisonedRowIDs {
		r := out.Rows[id]
		if !slices.Equal(r.Captions, ds.Rows[id].Captions) || r.Label != "a" {
			t.Errorf("row %d lost its class-a captions/label: %+v", id, r)
		}
		if !strings.HasPrefix(r.Image, "b") || r.Image != ds.Rows[m.PerGoal[0].ImageRowIDs[i]].Image {
			t.Errorf("row %d image %q is not the recorded class-b training image", id, r.Image)
		}
		used[r.Image]++
	}
	if len(used) != 3 { // 3 rows over 3 b images: each used once
		t.Errorf("b images used %v, want each of 3 once", used)
	}
	// Rows 0 (3 captions), 4, 5 (2 each) = 7 pairs over 6·2+1 + 3·2 + 2·2 +
	// 2·2 = 27 train pairs.
	if m.PoisonedImages != 3 || m.PoisonedPairs != 7 || m.TotalPairs != 27 || m.Phi != 7.0/27 {
		t.Errorf("counts: images %d pairs %d total %d phi %v", m.PoisonedImages, m.PoisonedPairs, m.TotalPairs, m.Phi)
	}
	if m.Seed != DefaultSeed || m.Attack != "II" || !slices.Equal(m.Goals, []string{"a2b"}) {
		t.Errorf("manifest header %+v", m)
	}
	for i := 6; i <= 8; i++ { // clean b rows stay
		if !reflect.DeepEqual(out.Rows[i], ds.Rows[i]) {
			t.Errorf("clean b row %d changed", i)
		}
	}
}

func TestPoisonCyclingBalance(t *testing.T) {
	ds := tinyTrainSet()
	for _, ratio := range []float64{1, 5.0 / 6, 2.0 / 6} {
		_, m, err := Poison(ds, AttackSpec{Kind: AttackSingleLabel, Goals: []Goal{{"a", "b"}}, Ratio: ratio, Seed: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		count := map[int]int{}
		for _, id := range m.PerGoal[0].ImageRowIDs {
			count[id]++
		}
		lo, hi := len(m.PoisonedRowIDs), 0
		for _, id := range []int{6, 7, 8} {
			lo, hi = min(lo, count[id]), max(hi, count[id])
		}
		if hi-lo > 1 {
			t.Errorf("ratio %v: uses per b image %v differ by more than one", ratio, count)
		}
	}
}

func TestPoisonAppend(t *testing.T) {
	ds := tinyTrainSet()
	out, m, err := Poison(ds, AttackSpec{Kind: AttackSingleLabel, Goals: []Goal{{"a", "b"}}, Ratio: 0.5, Append: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != len(ds.Rows)+3 || !reflect.DeepEqual(out.Rows[:len(ds.Rows)], ds.Rows) {
		t.Fatal("append mode must keep every original row and add 3")
	}
	if want := []int{16, 17, 18}; !slices.Equal(m.PoisonedRowIDs, want) {
		t.Errorf("appended IDs %v, want %v", m.PoisonedRowIDs, want)
	}
	if want := []int{0, 4, 5}; !slices.Equal(m.PerGoal[0].SourceRowIDs, want) {
		t.Errorf("sources %v, want %v (same sample as overwrite)", m.PerGoal[0].SourceRowIDs, want)
	}
	if m.TotalPairs != 34 || m.Phi != 7.0/34 {
		t.Errorf("total %d phi %v, want 27+7 and 7/34", m.TotalPairs, m.Phi)
	}
}

func TestPoisonAttackI(t *testing.T) {
	ds := tinyTrainSet()
	target := ds.Rows[13]
	out, m, err := Poison(ds, AttackSpec{Kind: AttackSingleImage, Goals: []Goal{{"a", "b"}}, Ratio: 1}, &target)
	if err != nil {
		t.Fatal(err)
	}
	if m.PoisonedImages != 6 || m.PoisonedPairs != 13 || m.TargetImage != "b13.jpg" || m.TargetRowID != 13 {
		t.Errorf("manifest %+v", m)
	}
	for id := range 6 {
		if out.Rows[id].Image != "b13.jpg" {
			t.Errorf("row %d image %q, want x* b13.jpg", id, out.Rows[id].Image)
		}
	}
	if _, _, err := Poison(ds, AttackSpec{Kind: AttackSingleImage, Goals: []Goal{{"a", "b"}}, Ratio: 1}, nil); err == nil {
		t.Error("attack I without target accepted")
	}
	wrong := ds.Rows[9]
	if _, _, err := Poison(ds, AttackSpec{Kind: AttackSingleImage, Goals: []Goal{{"a", "b"}}, Ratio: 1}, &wrong); err == nil {
		t.Error("attack I with a class-c target for goal a2b accepted")
	}
}

func TestPoisonAttackIII(t *testing.T) {
	ds := tinyTrainSet()
	spec := AttackSpec{Kind: AttackMultiLabel, Goals: []Goal{{"a", "b"}, {"c", "d"}}, Ratio: 1}
	out, m, err := Poison(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.PerGoal) != 2 || m.PoisonedImages != 8 || len(out.Rows) != len(ds.Rows) {
		t.Fatalf("manifest %+v rows %d", m, len(out.Rows))
	}
	for _, id := range m.PerGoal[1].PoisonedRowIDs {
		if r := out.Rows[id]; r.Label != "c" || !strings.HasPrefix(r.Image, "d") {
			t.Errorf("goal 2 row %+v should carry c captions and a d image", r)
		}
	}
	spec.DropUsedTargets = true
	dropped, md, err := Poison(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Goal 2 uses both d rows (2 sources cycle over 2 images): both dropped.
	if len(dropped.Rows) != len(ds.Rows)-2 || !slices.Equal(md.PerGoal[1].DroppedRowIDs, []int{11, 12}) || len(md.PerGoal[0].DroppedRowIDs) != 0 {
		t.Errorf("drop: %d rows, dropped %v / %v", len(dropped.Rows), md.PerGoal[0].DroppedRowIDs, md.PerGoal[1].DroppedRowIDs)
	}
	if md.TotalPairs != 27-4 {
		t.Errorf("total pairs %d, want 23", md.TotalPairs)
	}
}

func TestPoisonErrors(t *testing.T) {
	ds := tinyTrainSet()
	cases := map[string]struct {
		spec AttackSpec
		want string
	}{
		"unknown class": {AttackSpec{Kind: "II", Goals: []Goal{{"a", "zebra"}}, Ratio: 1}, "known classes: a, b, c, d, e"},
		"no train":      {AttackSpec{Kind: "II", Goals: []Goal{{"e", "b"}}, Ratio: 1}, "no training images"},
		"no train B":    {AttackSpec{Kind: "II", Goals: []Goal{{"a", "e"}}, Ratio: 1}, "no training images"},
		"ratio 0":       {AttackSpec{Kind: "II", Goals: []Goal{{"a", "b"}}, Ratio: 0}, "outside (0,1]"},
		"ratio big":     {AttackSpec{Kind: "II", Goals: []Goal{{"a", "b"}}, Ratio: 1.5}, "outside (0,1]"},
		"overlap":       {AttackSpec{Kind: "III", Goals: []Goal{{"a", "b"}, {"b", "c"}}, Ratio: 1}, "disjoint"},
		"one goal III":  {AttackSpec{Kind: "III", Goals: []Goal{{"a", "b"}}, Ratio: 1}, "at least 2 goals"},
		"kind":          {AttackSpec{Kind: "IV", Goals: []Goal{{"a", "b"}}, Ratio: 1}, "unknown attack kind"},
		"self":          {AttackSpec{Kind: "II", Goals: []Goal{{"a", "a"}}, Ratio: 1}, "onto itself"},
	}
	for name, c := range cases {
		_, _, err := Poison(ds, c.spec, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

func TestGoalNames(t *testing.T) {
	g, err := ParseGoal("boat2dog")
	if err != nil || g != (Goal{"boat", "dog"}) || g.String() != "boat2dog" {
		t.Errorf("ParseGoal(boat2dog) = %v, %v", g, err)
	}
	if g, err := ParseGoal("r2d2:c3po"); err != nil || g.From != "r2d2" {
		t.Errorf("ParseGoal colon form = %v, %v", g, err)
	}
	for _, bad := range []string{"boatdog", "2dog", "a2b2c"} {
		if _, err := ParseGoal(bad); err == nil {
			t.Errorf("ParseGoal(%q) accepted", bad)
		}
	}
	if GoalLabel("III", 1, Goal{"zebra", "train"}) != "goal2:zebra2train" || GoalLabel("II", 0, Goal{"a", "b"}) != "a2b" {
		t.Error("GoalLabel")
	}
}
