package main

import (
	"archive/tar"
	"bytes"
	"github.com/mmpoison/mmpoison/clipmodel"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

// tableRow finds the aligned-table line starting with name and returns its fields.
func tableRow(t *testing.T, out, name string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no %q line in output:\n%s", name, out)
	return nil
}

func TestDataInspectCountsTinyCSV(t *testing.T) {
	path := writeTinyDataset(t, true)
	var out bytes.Buffer
	if err := runData([]string{"inspect", "csv:" + path}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "10 images, 20 captions, 3 classes") {
		t.Errorf("header line wrong:\n%s", s)
	}
	// split, images, captions, missing, unlabelled
	if got := strings.Join(tableRow(t, s, "train"), " "); got != "train 7 14 0 0" {
		t.Errorf("train row %q, want 7 images 14 captions", got)
	}
	if got := strings.Join(tableRow(t, s, "test"), " "); got != "test 3 6 0 0" {
		t.Errorf("test row %q, want 3 images 6 captions", got)
	}
	// class, train, test
	for class, want := range map[string]string{"cat": "cat 4 1", "dog": "dog 2 1", "boat": "boat 1 1"} {
		if got := strings.Join(tableRow(t, s, class), " "); got != want {
			t.Errorf("class row %q, want %q", got, want)
		}
	}
}

func TestDataInspectKeywordClassesFromJSON(t *testing.T) {
	path := writeTinyDataset(t, false)
	classes := filepath.Join(t.TempDir(), "classes.json")
	// Object form; "kitten" matches nothing, so only dog images get labelled.
	if err := os.WriteFile(classes, []byte(`{"dog": ["dog", "dogs"], "kitten": ["kitten"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// Flags after the dataset, as users type them.
	if err := runData([]string{"inspect", "csv:" + path, "--classes", classes}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if got := strings.Join(tableRow(t, s, "dog"), " "); got != "dog 2 1" {
		t.Errorf("dog row %q, want 2 train and 1 test", got)
	}
	if got := strings.Join(tableRow(t, s, "kitten"), " "); got != "kitten 0 0" {
		t.Errorf("kitten row %q, want zeros", got)
	}
	if !strings.Contains(s, "3 images labelled, 0 ambiguous") {
		t.Errorf("assignment summary missing or wrong:\n%s", s)
	}
}

func TestClassSpecsListForm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`[{"name": "boat", "keywords": ["boat", "ship"]}, {"name": "car", "keywords": ["car"]}]`), 0o644)
	specs, err := classSpecs(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Name != "boat" || strings.Join(specs[0].Keywords, ",") != "boat,ship" || specs[1].Name != "car" {
		t.Errorf("specs %+v", specs)
	}
	for _, bad := range []string{`[]`, `[{"name": "x"}]`, `{"x": 3}`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := classSpecs(path); err == nil {
			t.Errorf("classes file %s accepted", bad)
		}
	}
}

func TestDataConvertRoundTrip(t *testing.T) {
	path := writeTinyDataset(t, true)
	out := filepath.Join(t.TempDir(), "sub", "..", "copy.csv")
	var buf bytes.Buffer
	if err := runData([]string{"convert", "--out", out, "csv:" + path}, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "10 images, 20 captions") {
		t.Errorf("summary %q", buf.String())
	}
	orig, err := dataset.LoadCSV(path, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := dataset.LoadCSV(out, dataset.Options{}) // fails if an image path does not resolve
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != len(orig.Rows) {
		t.Fatalf("%d rows back, want %d", len(back.Rows), len(orig.Rows))
	}
	for i, r := range back.Rows {
		o := orig.Rows[i]
		if filepath.Base(r.Image) != filepath.Base(o.Image) || r.Label != o.Label || r.Split != o.Split ||
			strings.Join(r.Captions, "|") != strings.Join(o.Captions, "|") {
			t.Errorf("row %d: got %+v, want %+v", i, r, o)
		}
	}
}

func TestDataConvertSavesInMemoryImages(t *testing.T) {
	out := filepath.Join(t.TempDir(), "shapes.csv")
	if code, stderr := exitOf("data", "convert", "shapes:n=20,test=1", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pngs, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "shapes_images", "*.png"))
	if len(pngs) != 30 { // 20 train + 1 test per class × 10 classes
		t.Errorf("%d PNGs written, want 30", len(pngs))
	}
	back, err := dataset.LoadCSV(out, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := dataset.Stats(back); st.Images != 30 || st.Captions != 150 {
		t.Errorf("read back %d images, %d captions; want 30, 150", st.Images, st.Captions)
	}
}

func TestDataExitCodes(t *testing.T) {
	path := writeTinyDataset(t, true)
	missing := filepath.Join(t.TempDir(), "nope.csv")
	checkExits(t, []exitCase{
		{[]string{"data", "--help"}, 0},
		{[]string{"data", "inspect", "--help"}, 0},
		{[]string{"data", "convert", "--help"}, 0},
		{[]string{"help", "data"}, 0},
		{[]string{"data"}, 2},
		{[]string{"data", "frobnicate"}, 2},
		{[]string{"data", "inspect"}, 2},
		{[]string{"data", "inspect", path}, 2}, // no FORMAT: prefix
		{[]string{"data", "inspect", "csv:" + path, "csv:" + path}, 2},
		{[]string{"data", "inspect", "csv:" + path, "--missing", "maybe"}, 2},
		{[]string{"data", "inspect", "csv:" + path, "--classes", "animals"}, 2},
		{[]string{"data", "inspect", "csv:" + path, "--bogus"}, 2},
		{[]string{"data", "convert", "csv:" + path}, 2},    // no --out
		{[]string{"data", "inspect", "csv:" + missing}, 2}, // a missing file is a usage mistake
		{[]string{"data", "inspect", "csv:" + path, "--classes", missing + ".json"}, 2},
		{[]string{"data", "inspect", "nosuchformat:x"}, 1},
		{[]string{"data", "convert", "csv:" + path, "--out", filepath.Join(missing, "x", "out.csv")}, 2},
		{[]string{"data", "inspect", "csv:" + path}, 0},
	})
	// A runtime error names the file.
	if _, stderr := exitOf("data", "inspect", "csv:"+missing); !strings.Contains(stderr, missing) {
		t.Errorf("error %q does not name %s", stderr, missing)
	}
}

func TestDataInspectRealDatasets(t *testing.T) {
	var out bytes.Buffer
	flickr := needSharedData(t, "flickr8k")
	if err := runData([]string{"inspect", "flickr8k:" + flickr, "--classes", "flickr"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "8091 images, 40455 captions") {
		t.Errorf("flickr8k totals wrong:\n%s", s)
	}
	for split, want := range map[string]string{"train": "6000", "val": "1000", "test": "1000"} {
		if got := tableRow(t, s, split)[1]; got != want {
			t.Errorf("flickr8k %s: %s images, want %s", split, got, want)
		}
	}
	if got := tableRow(t, s, "boat"); len(got) < 2 || got[1] == "0" {
		t.Errorf("flickr keyword classes not applied: boat row %v", got)
	}

	out.Reset()
	if err := runData([]string{"inspect", "coco:" + needSharedData(t, "coco-mini")}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "159 images, 795 captions, 80 classes") {
		t.Errorf("coco-mini totals wrong:\n%s", out.String())
	}

	pascal := "pascal:" + needSharedData(t, "pascal-sentences")
	code, stderr := exitOf("data", "inspect", pascal)
	if code != 1 || !strings.Contains(stderr, "missing") {
		t.Errorf("pascal without --missing: exit %d, stderr %q; want 1 naming missing images", code, stderr)
	}
	out.Reset()
	if err := runData([]string{"inspect", pascal, "--missing", "keep"}, &out); err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^\s*total\s+\d+\s+\d+\s+(\d+)`).FindStringSubmatch(out.String()); m == nil || m[1] != "953" {
		t.Errorf("pascal --missing keep: total missing %v, want 953:\n%s", m, out.String())
	}
}

// Files that exist but do not decode pass the loader; inspect decodes every
// image to find them, and --quick skips that.
func TestDataInspectDecodesEveryImage(t *testing.T) {
	path := writeTinyDataset(t, true)
	dir := filepath.Dir(path)
	good, err := os.ReadFile(filepath.Join(dir, tinyImages[0].name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := map[string][]byte{ // three images of the fixture, broken three ways
		tinyImages[1].name + ".png": good[:len(good)/2],
		tinyImages[2].name + ".png": nil,
		tinyImages[3].name + ".png": bytes.Repeat([]byte{0x5a, 0x13, 0xe7}, 300),
	}
	for name, b := range corrupt {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err = runData([]string{"inspect", "csv:" + path}, &out)
	if err == nil || !strings.Contains(err.Error(), "3 images") || !strings.Contains(err.Error(), "--missing drop") {
		t.Errorf("inspect of a folder with 3 corrupt images: error %v, want one counting 3 and naming --missing drop", err)
	}
	if s := out.String(); !strings.Contains(s, "7 of 10 decode; 3 unreadable") || !strings.Contains(s, tinyImages[2].name+".png") {
		t.Errorf("report does not list the bad images:\n%s", s)
	}
	out.Reset()
	if err := runData([]string{"inspect", "csv:" + path, "--missing", "drop"}, &out); err != nil || !strings.Contains(out.String(), "3 unreadable") {
		t.Errorf("--missing drop: %v, output:\n%s", err, out.String())
	}
	out.Reset()
	if err := runData([]string{"inspect", "csv:" + path, "--quick"}, &out); err != nil || strings.Contains(out.String(), "unreadable") {
		t.Errorf("--quick decoded anyway or failed: %v\n%s", err, out.String())
	}
}

// Shards written by data convert --to wds read back with wds:, train into
// an image cache in place, and data inspect names a member that does not
// decode by its shard and name.
func TestDataConvertToWebDataset(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := runData([]string{"convert", "shapes:n=20,test=1", "--to", "wds", "--shard-size", "8", "--out", dir}, &out); err != nil {
		t.Fatal(err)
	}
	spec := "wds:" + filepath.Join(dir, "shard-{000000..000003}.tar")
	if !strings.Contains(out.String(), spec) {
		t.Errorf("convert does not name the spec to read its shards with, %s:\n%s", spec, out.String())
	}
	ds, err := dataset.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := dataset.Load("shapes:n=20,test=1")
	if st := dataset.Stats(ds); st.Images != 30 || st.Captions != 150 {
		t.Errorf("read back %d images, %d captions; want 30, 150", st.Images, st.Captions)
	}
	im, err := clipmodel.BuildImages(ds, 16, filepath.Join(dir, "c.imgcache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := clipmodel.BuildImages(orig, 16, filepath.Join(dir, "ref.imgcache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds.Rows {
		a, _ := im.Slot(ds, &ds.Rows[i])
		b, _ := ref.Slot(orig, &orig.Rows[i])
		if !bytes.Equal(im.Cache.Image(a).Pix, ref.Cache.Image(b).Pix) {
			t.Fatalf("row %d: cached pixels differ from the original's", i)
		}
	}

	bad := filepath.Join(dir, "bad.tar")
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range [][2]string{{"k1.jpg", "random bytes, not a JPEG"}, {"k1.txt", "a caption"}} {
		tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(m[1]))
	}
	tw.Close()
	os.WriteFile(bad, b.Bytes(), 0o644)
	out.Reset()
	err = runData([]string{"inspect", "wds:" + bad, "--verify"}, &out)
	if err == nil || !strings.Contains(out.String(), bad+": k1.jpg") {
		t.Errorf("inspect of a shard with a bad member: err %v\n%s", err, out.String())
	}
}
