package dataset

import (
	"math/rand/v2"
	"testing"
)

func TestAssignClassesMajorityAndAmbiguity(t *testing.T) {
	ds := &Dataset{Rows: []Row{
		{Captions: []string{"A dog runs.", "Two DOGS play", "a cat", "a bird"}},          // 2/4: not more than half
		{Captions: []string{"A dog runs.", "Two DOGS play", "a puppy!", "a bird"}},       // 3/4 dog
		{Captions: []string{"a dog in the snow", "dog on snow", "snowy dog", "x"}},       // dog and snow: ambiguous
		{Captions: []string{"a hotdog stand", "dogma", "the dogs' bowl", "bulldog"}},     // whole words only: "dogs" once
		{Captions: []string{"a little girl", "the little girl smiles", "a girl", "kid"}}, // multi-word keyword
		{},
	}}
	specs := []ClassSpec{
		{"dog", []string{"dog", "dogs", "puppy"}},
		{"snow", []string{"snow", "snowy"}},
		{"child", []string{"little girl", "kid"}},
	}
	rep := AssignClasses(ds, specs, 0)
	want := []string{"", "dog", "", "", "child", ""}
	for i, w := range want {
		if ds.Rows[i].Label != w {
			t.Errorf("row %d label %q, want %q", i, ds.Rows[i].Label, w)
		}
	}
	if rep.Labelled != 2 || rep.Ambiguous != 1 || rep.PerClass["dog"] != 1 {
		t.Errorf("report %+v, want 2 labelled, 1 ambiguous", rep)
	}
	// A lower threshold admits row 0 (2 of 4 > 0.25).
	AssignClasses(ds, specs, 0.25)
	if ds.Rows[0].Label != "dog" {
		t.Errorf("minFraction 0.25: row 0 label %q, want dog", ds.Rows[0].Label)
	}
	if len(ds.Classes) != 3 || ds.Classes[2] != "child" {
		t.Errorf("classes %q", ds.Classes)
	}
}

func TestPairsAndShuffle(t *testing.T) {
	ds := &Dataset{Rows: []Row{
		{Captions: []string{"a", "b"}, Split: Train},
		{Captions: []string{"c"}, Split: Test},
		{Captions: []string{"d", "e", "f"}, Split: Train},
	}}
	got := Pairs(ds, Train)
	want := []Pair{{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}
	if len(got) != len(want) {
		t.Fatalf("pairs %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pairs %v, want %v", got, want)
		}
	}
	if n := len(Pairs(ds, "")); n != 6 {
		t.Errorf("all splits: %d pairs, want 6", n)
	}
	a := append([]Pair(nil), got...)
	b := append([]Pair(nil), got...)
	Shuffle(a, rand.New(rand.NewPCG(1, 2)))
	Shuffle(b, rand.New(rand.NewPCG(1, 2)))
	seen := map[Pair]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed gave different shuffles")
		}
		seen[a[i]] = true
	}
	if len(seen) != len(want) {
		t.Errorf("shuffle lost or duplicated pairs: %v", a)
	}
}
