package clipmodel

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
)

// The policy a dataset was loaded with decides unreadable images too: an
// error naming the file under FailMissing, the row left without a slot
// under KeepMissing and DropMissing.
func TestBuildImagesFollowsTheMissingPolicy(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "bad.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := &dataset.Dataset{Name: "two", Root: dir, Rows: []dataset.Row{
		{ID: 0, Image: "good.png", Captions: []string{"a"}, Split: dataset.Train},
		{ID: 1, Image: "bad.png", Captions: []string{"b"}, Split: dataset.Train},
	}}
	for _, p := range []dataset.MissingPolicy{dataset.FailMissing, dataset.KeepMissing, dataset.DropMissing} {
		im, err := BuildImages(ds, 8, filepath.Join(t.TempDir(), "c.imgcache"), p, nil)
		if p == dataset.FailMissing {
			if err == nil || !strings.Contains(err.Error(), "bad.png") {
				t.Errorf("FailMissing: %v, want an error naming bad.png", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("policy %d: %v", p, err)
		}
		if _, ok := im.Slot(ds, &ds.Rows[0]); !ok {
			t.Errorf("policy %d: the readable image has no slot", p)
		}
		if _, ok := im.Slot(ds, &ds.Rows[1]); ok {
			t.Errorf("policy %d: the unreadable image has a slot", p)
		}
	}
}
