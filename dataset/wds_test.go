package dataset

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpandBraces(t *testing.T) {
	got, err := ExpandBraces("d/s-{008..011}-{a,b}.tar")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"d/s-008-a.tar", "d/s-008-b.tar", "d/s-009-a.tar", "d/s-009-b.tar", "d/s-010-a.tar", "d/s-010-b.tar", "d/s-011-a.tar", "d/s-011-b.tar"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"s-{1..", "s-1}", "s-{3..1}", "s-{a..b}", "s-{0..9999999}"} {
		if _, err := ExpandBraces(bad); err == nil {
			t.Errorf("%q expanded without an error", bad)
		}
	}
}

// Shards written from a dataset read back as the same rows: captions,
// splits, labels and (PNG, lossless) image bytes in place in the tar.
func TestWebDatasetRoundTrip(t *testing.T) {
	ds, err := Shapes(ShapesOptions{Seed: 1, Train: 9, TestPerClass: 1, Size: 16, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shards, err := WriteWebDataset(ds, dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := (len(ds.Rows) + 3) / 4
	if len(shards) != want {
		t.Fatalf("%d shards for %d rows at 4 a shard, want %d", len(shards), len(ds.Rows), want)
	}
	back, err := Load("wds:" + filepath.Join(dir, fmt.Sprintf("shard-{000000..%06d}.tar", want-1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != len(ds.Rows) {
		t.Fatalf("%d rows back, want %d", len(back.Rows), len(ds.Rows))
	}
	for i, r := range back.Rows {
		o := ds.Rows[i]
		if !slices.Equal(r.Captions, o.Captions) || r.Split != o.Split || r.Label != o.Label || r.Member == nil {
			t.Fatalf("row %d: %+v, want captions %v split %s label %s in an archive member", i, r, o.Captions, o.Split, o.Label)
		}
		b, ext, err := imageBytes(back, &back.Rows[i])
		if err != nil {
			t.Fatal(err)
		}
		png, _ := encodePNG(o.Pixels.W, o.Pixels.H, o.Pixels.Pix)
		if ext != ".png" || !bytes.Equal(b, png) {
			t.Fatalf("row %d: member %s holds %d bytes (%s), want the %d of its PNG", i, r.Member.Name, len(b), ext, len(png))
		}
	}
}

// writeTar writes members (name, content) as one shard.
func writeTar(t *testing.T, path string, members ...string) {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i := 0; i < len(members); i += 2 {
		tw.WriteHeader(&tar.Header{Name: members[i], Mode: 0o644, Size: int64(len(members[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(members[i+1]))
	}
	tw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWebDatasetSamples(t *testing.T) {
	dir := t.TempDir()
	shard := filepath.Join(dir, "a.tar")
	writeTar(t, shard,
		"x/1.jpg", "not really a jpeg", "x/1.json", `{"caption": "a dog runs", "label": "dog"}`,
		"x/2.png", "png bytes", "x/2.txt", "first caption\nsecond caption\n",
		"x/3.jpg", "an image without a caption",
		"x/4.txt", "a caption without an image")
	_, err := Load("wds:" + shard)
	if err == nil || !strings.Contains(err.Error(), "x/4.jpg") {
		t.Fatalf("a caption without its image under the fail policy: %v", err)
	}
	ds, err := LoadWith("wds:"+shard+",test=1", Options{Missing: DropMissing})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Rows) != 2 || ds.Rows[0].Captions[0] != "a dog runs" || ds.Rows[0].Label != "dog" || len(ds.Rows[1].Captions) != 2 {
		t.Fatalf("rows %+v", ds.Rows)
	}
	if m := ds.Rows[1].Member; m == nil || m.Name != "x/2.png" || m.Size != int64(len("png bytes")) {
		t.Fatalf("member of row 1: %+v", m)
	}
	if !slices.ContainsFunc(ds.Notes, func(s string) bool { return strings.Contains(s, "1 samples have no caption") }) {
		t.Errorf("notes %v do not count the caption-less sample", ds.Notes)
	}
	if ds.Rows[0].Split == ds.Rows[1].Split || ds.Missing != 1 {
		t.Errorf("test=1 gave splits %s, %s; missing %d", ds.Rows[0].Split, ds.Rows[1].Split, ds.Missing)
	}
	raw, _ := os.ReadFile(shard)
	cut := filepath.Join(dir, "cut.tar")
	os.WriteFile(cut, raw[:700], 0o644)
	if _, err := Load("wds:" + cut); err == nil || !strings.Contains(err.Error(), cut) {
		t.Errorf("a truncated shard: %v", err)
	}
	writeTar(t, filepath.Join(dir, "j.tar"), "k.jpg", "x", "k.json", "{not json")
	if _, err := Load("wds:" + filepath.Join(dir, "j.tar")); err == nil || !strings.Contains(err.Error(), "k.json") {
		t.Errorf("malformed JSON: %v", err)
	}
}
