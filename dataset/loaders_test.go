package dataset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// wantErr checks that err mentions every fragment (file names, line numbers).
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestCSVGroupsCaptionsByImage(t *testing.T) {
	ds, err := Load("csv:testdata/clip.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{ID: 0, Image: "img/a.jpg", Captions: []string{"a dog on grass", "a brown dog, running"}, Label: "dog", Split: Train},
		{ID: 1, Image: "img/b.jpg", Captions: []string{"a red car"}, Label: "car", Split: Test},
		{ID: 2, Image: "img/c.jpg", Captions: []string{"a cat"}, Split: Val},
	}
	if !reflect.DeepEqual(ds.Rows, want) {
		t.Fatalf("rows\n got %+v\nwant %+v", ds.Rows, want)
	}
	if !reflect.DeepEqual(ds.Classes, []string{"dog", "car"}) {
		t.Errorf("classes %q, want [dog car]", ds.Classes)
	}
	if ds.Root != "testdata" {
		t.Errorf("root %q, want testdata", ds.Root)
	}
}

func TestTSVKeepsQuotesLiterally(t *testing.T) {
	ds, err := Load("tsv:testdata/clip.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 2 || !reflect.DeepEqual(ds.Rows[1].Captions, []string{`a "quoted" car`, "another car"}) {
		t.Fatalf("rows %+v", ds.Rows)
	}
}

func TestCSVCustomColumns(t *testing.T) {
	_, err := LoadWith("csv:testdata/clip.csv", Options{CaptionColumn: "text"})
	wantErr(t, err, "clip.csv line 1", "caption column")
	ds, err := LoadWith("csv:testdata/clip.csv", Options{ImageColumn: "filepath", CaptionColumn: "label"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Rows[0].Captions[0] != "dog" {
		t.Errorf("caption from label column = %q, want dog", ds.Rows[0].Captions[0])
	}
}

func TestCSVMalformedNamesFileAndLine(t *testing.T) {
	_, err := Load("csv:testdata/badquote.csv")
	wantErr(t, err, "badquote.csv", "line 3")
	_, err = Load("csv:testdata/badfields.csv")
	wantErr(t, err, "badfields.csv line 4", "3 fields")
}

func TestMissingImagePolicies(t *testing.T) {
	_, err := Load("csv:testdata/missing.csv")
	wantErr(t, err, "2 of 3", "img/nope1.jpg", "img/nope2.jpg")

	ds, err := LoadWith("csv:testdata/missing.csv", Options{Missing: KeepMissing})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 3 || ds.Missing != 2 || ds.Rows[0].MissingImage || !ds.Rows[1].MissingImage || !ds.Rows[2].MissingImage {
		t.Fatalf("keep: %d rows, missing %d, rows %+v", len(ds.Rows), ds.Missing, ds.Rows)
	}
	if got := len(Pairs(ds, "")); got != 1 {
		t.Errorf("pairs over caption-only rows: %d, want 1 (missing images are not trained on)", got)
	}

	ds, err = LoadWith("csv:testdata/missing.csv", Options{Missing: DropMissing})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 1 || ds.Missing != 2 || ds.Rows[0].ID != 0 {
		t.Fatalf("drop: rows %+v, missing %d", ds.Rows, ds.Missing)
	}
}

func TestCOCO(t *testing.T) {
	ds, err := Load("coco:testdata/coco")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 3 {
		t.Fatalf("%d rows, want 3 (image 9 has no captions)", len(ds.Rows))
	}
	r0, r1, r2 := ds.Rows[0], ds.Rows[1], ds.Rows[2]
	if r0.Image != "train2017/000000000001.jpg" || r0.Split != Train || !reflect.DeepEqual(r0.Captions, []string{"a dog with a ball", "a dog playing"}) {
		t.Errorf("row 0 = %+v", r0)
	}
	if r0.Label != "dog" && r0.Label != "sports ball" {
		t.Errorf("row 0 label %q, want one of its categories dog / sports ball", r0.Label)
	}
	if r1.Label != "boat" || r2.Label != "cat" || r2.Split != Val || r2.Image != "val2017/000000000003.jpg" {
		t.Errorf("rows 1,2 = %+v %+v", r1, r2)
	}
	if !reflect.DeepEqual(ds.Classes, []string{"boat", "cat", "dog", "sports ball"}) {
		t.Errorf("classes %q, want category-id order", ds.Classes)
	}
	// Over many seeds the choice for image 1 must take both of its categories.
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		d, err := LoadWith("coco:testdata/coco", Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		seen[d.Rows[0].Label] = true
	}
	if !seen["dog"] || !seen["sports ball"] || len(seen) != 2 {
		t.Errorf("labels chosen over 20 seeds: %v, want exactly dog and sports ball", seen)
	}
	carved, err := LoadWith("coco:testdata/coco", Options{TestPerClass: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range carved.Rows {
		if r.Split != Test {
			t.Errorf("row %d split %q: with one image per class all go to test", r.ID, r.Split)
		}
	}
}

func TestCOCOMalformedJSON(t *testing.T) {
	_, err := Load("coco:testdata/cocobad")
	wantErr(t, err, "captions_train2017.json line 4", "malformed JSON")
}

func TestKarpathyAndALBEF(t *testing.T) {
	ds, err := Load("karpathy:testdata/karpathy.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{ID: 0, Image: "img/a.jpg", Captions: []string{"a dog on grass", "a brown dog"}, Split: Train},
		{ID: 1, Image: "img/b.jpg", Captions: []string{"a red car"}, Split: Test},
	}
	if !reflect.DeepEqual(ds.Rows, want) {
		t.Fatalf("karpathy rows\n got %+v\nwant %+v", ds.Rows, want)
	}
	ds, err = Load("karpathy:testdata/albef.json")
	if err != nil {
		t.Fatal(err)
	}
	want = []Row{
		{ID: 0, Image: "img/a.jpg", Captions: []string{"a dog on grass", "a brown dog"}},
		{ID: 1, Image: "img/b.jpg", Captions: []string{"a red car", "a parked car"}, Split: Val},
	}
	if !reflect.DeepEqual(ds.Rows, want) {
		t.Fatalf("albef rows\n got %+v\nwant %+v", ds.Rows, want)
	}
}

func TestKarpathyErrorsNameLine(t *testing.T) {
	_, err := Load("karpathy:testdata/karpathybad.json")
	wantErr(t, err, "karpathybad.json line 3", "caption")
	_, err = Load("karpathy:testdata/karpathynoimage.json")
	wantErr(t, err, "karpathynoimage.json line 4", "no \"image\"")
	_, err = Load("karpathy:testdata/clip.csv")
	wantErr(t, err, "clip.csv line 1")
}

func TestFlickrTokens(t *testing.T) {
	ds, err := Load("flickr8k:testdata/flickr")
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{ID: 0, Image: "Images/p1.jpg", Captions: []string{"a dog runs", "a brown dog"}, Split: Train},
		{ID: 1, Image: "Images/p2.jpg", Captions: []string{"a child climbs"}, Split: Val},
		{ID: 2, Image: "Images/p3.jpg", Captions: []string{"a boat"}},
	}
	if !reflect.DeepEqual(ds.Rows, want) {
		t.Fatalf("rows\n got %+v\nwant %+v", ds.Rows, want)
	}
	if len(ds.Notes) != 1 || !strings.Contains(ds.Notes[0], "1 images are in no split") {
		t.Errorf("notes %q", ds.Notes)
	}
	_, err = Load("flickr8k:testdata/flickrbad")
	wantErr(t, err, "Flickr8k.token.txt line 3", "no tab")
}

func TestPascalLayout(t *testing.T) {
	_, err := Load("pascal:testdata/pascal")
	wantErr(t, err, "3 of 4", "dataset/cat/c2.jpg")
	ds, err := LoadWith("pascal:testdata/pascal", Options{Missing: KeepMissing})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Missing != 3 || len(ds.Rows) != 4 || !reflect.DeepEqual(ds.Classes, []string{"cat", "dog"}) {
		t.Fatalf("missing %d rows %d classes %q", ds.Missing, len(ds.Rows), ds.Classes)
	}
	r := ds.Rows[0]
	if r.Image != "dataset/cat/c1.jpg" || r.Label != "cat" || r.MissingImage || !reflect.DeepEqual(r.Captions, []string{"a cat sleeps", "a grey cat"}) {
		t.Errorf("row 0 = %+v", r)
	}
	if got := ds.Rows[2].Captions; !reflect.DeepEqual(got, []string{"a dog", "a big dog"}) {
		t.Errorf("blank lines must be skipped: %q", got)
	}
	st := Stats(ds)
	for _, c := range ds.Classes {
		if st.Split(Train).PerClass[c] != 1 || st.Split(Test).PerClass[c] != 1 {
			t.Errorf("class %s not split in half: %+v", c, st.Splits)
		}
	}
}

func TestFolder(t *testing.T) {
	_, err := Load("folder:testdata/folder")
	wantErr(t, err, "1 of 3", "train/dog/c.jpg")
	ds, err := LoadWith("folder:testdata/folder", Options{Missing: KeepMissing})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{ID: 0, Image: "a.jpg", Captions: []string{"first caption", "second caption"}},
		{ID: 1, Image: "train/dog/b.png", Captions: []string{"a dog"}, Split: Train, Label: "dog"},
		{ID: 2, Image: "train/dog/c.jpg", Captions: []string{"caption without image"}, Split: Train, Label: "dog", MissingImage: true},
	}
	if !reflect.DeepEqual(ds.Rows, want) {
		t.Fatalf("rows\n got %+v\nwant %+v", ds.Rows, want)
	}
	if !strings.Contains(strings.Join(ds.Notes, ";"), "1 images have no caption file") {
		t.Errorf("notes %q should count test/lonely.jpg", ds.Notes)
	}
}

func TestLoadSpecErrors(t *testing.T) {
	_, err := Load("nosuch:x")
	wantErr(t, err, "unknown format", "shapes")
	_, err = Load("csv:")
	wantErr(t, err, "missing path")
	_, err = Load("shapes:colour=3")
	wantErr(t, err, "unknown setting", "colour")
	_, err = Load("shapes:n=-1")
	wantErr(t, err, "non-negative")
	_, err = Load("csv:testdata/nonexistent.csv")
	wantErr(t, err, "nonexistent.csv")
	if p, err := ParseMissingPolicy("keep"); err != nil || p != KeepMissing {
		t.Errorf("ParseMissingPolicy(keep) = %v, %v", p, err)
	}
}

// A spreadsheet's UTF-8 byte-order mark must not hide the first column.
func TestCSVAndTSVReadThroughABOM(t *testing.T) {
	dir := t.TempDir()
	img, err := filepath.Abs(filepath.Join("testdata", "img"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(img, filepath.Join(dir, "img")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"clip.csv", "clip.tsv"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), append([]byte("\ufeff"), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		plain, err := Load(filepath.Ext(f)[1:] + ":" + filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		bom, err := Load(filepath.Ext(f)[1:] + ":" + filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s with a BOM: %v", f, err)
		}
		if !reflect.DeepEqual(bom.Rows, plain.Rows) {
			t.Errorf("%s: rows with a BOM differ from the plain file's", f)
		}
	}
}

func TestKarpathyRejectsTrailingData(t *testing.T) {
	dir := t.TempDir()
	// karpathy.json is a top-level object, albef.json a top-level list.
	for _, name := range []string{"karpathy.json", "albef.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		good := filepath.Join(dir, "good-"+name)
		bad := filepath.Join(dir, "bad-"+name)
		os.WriteFile(good, b, 0o644)
		os.WriteFile(bad, append(b, []byte("\n{\"garbage\": 1}")...), 0o644)
		if _, err := Load("karpathy:" + good); err != nil && !strings.Contains(err.Error(), "missing") {
			t.Errorf("%s: %v", name, err)
		}
		_, err = Load("karpathy:" + bad)
		if err == nil || !strings.Contains(err.Error(), "trailing data") {
			t.Errorf("%s with trailing garbage: %v, want a trailing-data error", name, err)
		}
	}
}

func TestFlickrImageInTwoSplitListsIsAnError(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("testdata", "flickr")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		abs, _ := filepath.Abs(filepath.Join(src, e.Name()))
		if err := os.Symlink(abs, filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	train, err := os.ReadFile(filepath.Join(src, "Flickr_8k.trainImages.txt"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "Flickr_8k.testImages.txt"))
	os.WriteFile(filepath.Join(dir, "Flickr_8k.testImages.txt"), train, 0o644)
	_, err = Load("flickr8k:" + dir)
	if err == nil || !strings.Contains(err.Error(), "already in the train split list") {
		t.Fatalf("an image in the train and test lists gave %v, want an error naming both", err)
	}
}

func TestFlickrEmptyImageNameIsNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Flickr8k.token.txt"), []byte("p1.jpg#0\ta dog\n#1\ta cat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load("flickr8k:" + dir)
	wantErr(t, err, "Flickr8k.token.txt line 2", "empty image name")
}

// cocoDir writes a COCO folder holding the given annotation files; images
// are not needed (Missing: KeepMissing).
func cocoDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	ann := filepath.Join(dir, "annotations")
	if err := os.MkdirAll(ann, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(ann, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCOCOBadContentIsNamed(t *testing.T) {
	const caps = `{"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
		"annotations": [{"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "  "}]}`
	keep := Options{Missing: KeepMissing}
	for _, c := range []struct {
		files map[string]string
		want  []string
	}{
		{map[string]string{"captions_train2017.json": "null"}, []string{"captions_train2017.json", "no \"images\""}},
		{map[string]string{"captions_train2017.json": `{"images": [], "annotations": []}`}, []string{"captions_train2017.json", "no \"images\""}},
		{map[string]string{"captions_train2017.json": `{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "caption": " "}]}`}, []string{"every caption", "blank"}},
		{map[string]string{"captions_train2017.json": caps, "instances_train2017.json": "null"}, []string{"instances_train2017.json", "no \"categories\""}},
		{map[string]string{"captions_train2017.json": caps, "instances_train2017.json": `{"categories": [{"id": 1, "name": "dog"}],
			"annotations": [{"image_id": 1, "category_id": 1}, {"image_id": 1, "category_id": 7}]}`}, []string{"instances_train2017.json", "annotation 1", "category_id 7"}},
	} {
		_, err := LoadWith("coco:"+cocoDir(t, c.files), keep)
		wantErr(t, err, c.want...)
	}
	ds, err := LoadWith("coco:"+cocoDir(t, map[string]string{"captions_train2017.json": caps}), keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 1 || len(ds.Notes) == 0 || !strings.Contains(ds.Notes[0], "1 images have only blank captions") {
		t.Errorf("an image with only a blank caption: rows %+v, notes %q; want it left out with a note", ds.Rows, ds.Notes)
	}
}
