package clipmodel

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/vision/rgb"
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

// Extend keeps every slot of the base cache, adds the in-memory images of
// new rows and the extra images, and refuses an image of the wrong size.
func TestExtendImagesKeepsTheBaseAndAddsTheNew(t *testing.T) {
	ds, err := dataset.Shapes(dataset.ShapesOptions{Seed: 3, Train: 6, TestPerClass: 1, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	im, err := BuildImages(ds, 16, filepath.Join(t.TempDir(), "base.imgcache"), dataset.FailMissing, nil)
	if err != nil {
		t.Fatal(err)
	}
	poisoned := &dataset.Dataset{Name: ds.Name, Rows: slices.Clone(ds.Rows)}
	stamped := rgb.New(16, 16)
	for i := range stamped.Pix {
		stamped.Pix[i] = uint8(i)
	}
	poisoned.Rows[2].Pixels = stamped
	extra := []*rgb.Image{rgb.New(16, 16), stamped}
	ext, slots, err := im.Extend(poisoned, extra, filepath.Join(t.TempDir(), "ext.imgcache"))
	if err != nil {
		t.Fatal(err)
	}
	n := im.Cache.Len()
	if ext.Cache.Len() != n+3 || !slices.Equal(slots, []int{n + 1, n + 2}) {
		t.Fatalf("extended cache holds %d images with extra slots %v; want %d and [%d %d]", ext.Cache.Len(), slots, n+3, n+1, n+2)
	}
	for s := 0; s < n; s++ {
		if !slices.Equal(ext.Cache.Image(s).Pix, im.Cache.Image(s).Pix) {
			t.Fatalf("base slot %d changed", s)
		}
	}
	for i := range poisoned.Rows {
		r := &poisoned.Rows[i]
		s, ok := ext.Slot(poisoned, r)
		want := ds.Rows[i].Pixels
		if i == 2 {
			want = stamped
		}
		if !ok || !slices.Equal(ext.Cache.Image(s).Pix, want.Pix) {
			t.Errorf("row %d: slot %d (found %v) does not hold its image", r.ID, s, ok)
		}
	}
	if !slices.Equal(ext.Cache.Image(slots[1]).Pix, stamped.Pix) {
		t.Error("the extra image's slot does not hold it")
	}
	if _, _, err := im.Extend(poisoned, []*rgb.Image{rgb.New(8, 8)}, filepath.Join(t.TempDir(), "bad.imgcache")); err == nil || !strings.Contains(err.Error(), "8x8") {
		t.Errorf("an 8x8 image for a 16 px cache: %v, want an error naming its size", err)
	}
}
