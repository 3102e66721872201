package dataset

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStatsAndInspect(t *testing.T) {
	ds, err := LoadWith("csv:testdata/missing.csv", Options{Missing: KeepMissing})
	if err != nil {
		t.Fatal(err)
	}
	ds.Rows[0].Split, ds.Rows[0].Label = Train, "x"
	ds.Rows[1].Split = Test
	ds.Classes = []string{"x"}
	st := Stats(ds)
	if st.Images != 3 || st.Captions != 3 || st.Missing != 2 {
		t.Fatalf("stats %+v", st)
	}
	if len(st.Splits) != 3 || st.Splits[0].Split != Train || st.Splits[1].Split != Test || st.Splits[2].Split != "" {
		t.Fatalf("split order %+v, want train, test, unsplit", st.Splits)
	}
	if st.Split(Train).PerClass["x"] != 1 || st.Split(Test).Unlabelled != 1 {
		t.Errorf("per class %+v", st.Splits)
	}
	var buf bytes.Buffer
	if err := Inspect(ds, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"3 images", "(no split)", "missing images", "note: 2 images missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src, err := Load("csv:testdata/clip.csv")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sub", "..", "out.csv")
	if err := WriteCSV(src, out); err != nil {
		t.Fatal(err)
	}
	back, err := Load("csv:" + out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != len(src.Rows) {
		t.Fatalf("%d rows back, want %d", len(back.Rows), len(src.Rows))
	}
	for i := range src.Rows {
		a, b := src.Rows[i], back.Rows[i]
		if !reflect.DeepEqual(a.Captions, b.Captions) || a.Split != b.Split || a.Label != b.Label ||
			filepath.Clean(src.ImagePath(&a)) != filepath.Clean(mustRel(t, back.ImagePath(&b))) {
			t.Errorf("row %d: wrote %+v, read back %+v", i, a, b)
		}
	}

	shapes, _ := Shapes(ShapesOptions{Seed: 1, Train: 3, TestPerClass: 1})
	if err := WriteCSV(shapes, filepath.Join(dir, "shapes.csv")); err != nil {
		t.Fatal(err)
	}
	sb, err := Load("csv:" + filepath.Join(dir, "shapes.csv"))
	if err != nil {
		t.Fatalf("shapes written as PNG + CSV must load back: %v", err)
	}
	if len(sb.Rows) != 13 || sb.Rows[0].Image != "shapes_images/000000.png" || sb.Rows[0].Label != shapes.Rows[0].Label {
		t.Errorf("shapes round trip: %d rows, first %+v", len(sb.Rows), sb.Rows[0])
	}
}

// mustRel turns an absolute path back into one relative to the package dir.
func mustRel(t *testing.T, p string) string {
	t.Helper()
	wd, _ := filepath.Abs(".")
	abs, _ := filepath.Abs(p)
	r, err := filepath.Rel(wd, abs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
