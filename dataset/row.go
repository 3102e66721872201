// Package dataset loads image-caption datasets into one row model and holds
// the built-in synthetic dataset.
package dataset

import (
	"slices"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Split names used by every loader.
const (
	Train = "train"
	Val   = "val"
	Test  = "test"
)

// Row is one image with all its captions: the unit the paper's attacks act on.
type Row struct {
	ID       int        // index of the row in its dataset, stable across runs
	Image    string     // image path, relative to Dataset.Root (or absolute); "" when Pixels is set
	Pixels   *rgb.Image // in-memory image (synthetic data), nil for files
	Member   *Member    // the image inside the archive Image names (webdataset), nil for plain files
	Captions []string
	Label    string // class name; "" when unlabelled
	Split    string // Train, Val or Test; "" when the source puts the image in no split

	// MissingImage marks a caption-only row whose image file is absent (kept
	// under the KeepMissing policy; Image still names the expected path).
	MissingImage bool
}

// Dataset is a named collection of rows.
type Dataset struct {
	Name    string   // e.g. "shapes", "flickr8k"
	Root    string   // folder image paths are relative to
	Classes []string // known class names, in a stable order
	Rows    []Row

	Missing int      // rows whose image file was absent (see Options.Missing)
	Notes   []string // remarks from the loader, e.g. images in no split list
}

// Splits lists the split names that rows of d carry, in order of first use.
func (d *Dataset) Splits() []string {
	var out []string
	for i := range d.Rows {
		if s := d.Rows[i].Split; s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
