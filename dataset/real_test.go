package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sharedData = "../../shared/data"

// needData skips the test when a shared data folder is absent.
func needData(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedData, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s is missing (want /work/shared/data/%s)", p, name)
	}
	return p
}

func TestRealFlickr8k(t *testing.T) {
	dir := needData(t, "flickr8k")
	ds, err := Load("flickr8k:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(ds)
	if st.Images != 8091 || st.Captions != 40455 {
		t.Fatalf("got %d images %d captions, want 8091 and 40455", st.Images, st.Captions)
	}
	for split, want := range map[string]int{Train: 6000, Val: 1000, Test: 1000, "": 91} {
		if got := st.Split(split).Images; got != want {
			t.Errorf("split %q: %d images, want %d", split, got, want)
		}
	}
	if len(ds.Notes) == 0 || !strings.Contains(ds.Notes[0], "91") {
		t.Errorf("notes %q should mention the 91 images in no split", ds.Notes)
	}
	csvDS, err := Load("csv:" + filepath.Join(dir, "captions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(csvDS.Rows); n != 8091 {
		t.Errorf("captions.csv grouped into %d rows, want 8091", n)
	}
	if csvDS.Missing != 0 {
		t.Errorf("captions.csv: %d missing images, want 0", csvDS.Missing)
	}
}

func TestRealFlickrClasses(t *testing.T) {
	dir := needData(t, "flickr8k")
	ds, err := LoadWith("flickr8k:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := AssignClasses(ds, DefaultFlickrClasses(), 0)
	t.Logf("labelled %d, ambiguous %d, per class %v", rep.Labelled, rep.Ambiguous, rep.PerClass)
	for _, c := range DefaultFlickrClasses() {
		if n := rep.PerClass[c.Name]; n < 80 || n > 2000 {
			t.Errorf("class %s: %d images, want 80..2000", c.Name, n)
		}
	}
}

func TestRealCOCOMini(t *testing.T) {
	dir := needData(t, "coco-mini")
	ds, err := Load("coco:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(ds)
	if st.Images != 159 || st.Captions != 795 || len(ds.Classes) != 80 {
		t.Fatalf("got %d images %d captions %d classes, want 159, 795, 80", st.Images, st.Captions, len(ds.Classes))
	}
	if st.Split(Train).Images != 80 || st.Split(Val).Images != 79 {
		t.Errorf("train/val = %d/%d, want 80/79", st.Split(Train).Images, st.Split(Val).Images)
	}
	labelled := st.Images - st.Split(Train).Unlabelled - st.Split(Val).Unlabelled
	if labelled < 150 {
		t.Errorf("only %d of 159 images got a label from instances_*.json", labelled)
	}
	again, _ := Load("coco:" + dir)
	for i := range ds.Rows {
		if ds.Rows[i].Label != again.Rows[i].Label {
			t.Fatalf("row %d label %q then %q: the seeded choice is not reproducible", i, ds.Rows[i].Label, again.Rows[i].Label)
		}
	}
	carved, err := LoadWith("coco:"+dir, Options{TestPerClass: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := Stats(carved)
	for c, n := range cs.Split(Test).PerClass {
		if n != 1 {
			t.Errorf("carved test split has %d images of %s, want 1", n, c)
		}
	}
	if cs.Split(Test).Images == 0 {
		t.Error("TestPerClass=1 carved no test images")
	}
}

func TestRealPascal(t *testing.T) {
	dir := needData(t, "pascal-sentences")
	_, err := Load("pascal:" + dir)
	if err == nil || !strings.Contains(err.Error(), "953") {
		t.Fatalf("fail policy: got %v, want an error counting 953 missing images", err)
	}
	ds, err := LoadWith("pascal:"+dir, Options{Missing: KeepMissing})
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(ds)
	if st.Images != 1000 || st.Captions != 4998 || st.Missing != 953 || len(ds.Classes) != 20 {
		t.Fatalf("got %d images %d captions %d missing %d classes, want 1000, 4998, 953, 20", st.Images, st.Captions, st.Missing, len(ds.Classes))
	}
	for _, c := range ds.Classes {
		if st.Split(Train).PerClass[c] != 25 || st.Split(Test).PerClass[c] != 25 {
			t.Errorf("class %s: train %d test %d, want 25/25", c, st.Split(Train).PerClass[c], st.Split(Test).PerClass[c])
		}
	}
}
