package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolve returns the file path of a row's image.
func (d *Dataset) resolve(image string) string {
	if filepath.IsAbs(image) || d.Root == "" {
		return image
	}
	return filepath.Join(d.Root, image)
}

// ImagePath is the path to open for row r's image ("" for in-memory rows).
func (d *Dataset) ImagePath(r *Row) string {
	if r.Image == "" {
		return ""
	}
	return d.resolve(r.Image)
}

// checkImages stats every row's image file and applies the missing-file
// policy: fail with a count and the first few names, mark, or drop.
func checkImages(d *Dataset, policy MissingPolicy) error {
	var missing []string
	kept := d.Rows[:0]
	for _, r := range d.Rows {
		if r.Pixels == nil && r.Image != "" {
			if _, err := os.Stat(d.resolve(r.Image)); err != nil {
				missing = append(missing, r.Image)
				if policy == DropMissing {
					continue
				}
				r.MissingImage = true
			}
		}
		kept = append(kept, r)
	}
	d.Rows = kept
	renumber(d)
	d.Missing = len(missing)
	if len(missing) == 0 {
		return nil
	}
	if policy == FailMissing {
		first := missing
		if len(first) > 5 {
			first = first[:5]
		}
		return fmt.Errorf("dataset %s: %d of %d image files are missing under %s (first: %s); "+
			"add them or load with the keep/drop missing-image policy",
			d.Name, len(missing), len(d.Rows), d.Root, strings.Join(first, ", "))
	}
	d.Notes = append(d.Notes, fmt.Sprintf("%d images missing (%s policy)", len(missing), policyName(policy)))
	return nil
}

func policyName(p MissingPolicy) string {
	switch p {
	case KeepMissing:
		return "keep caption-only"
	case DropMissing:
		return "drop"
	}
	return "fail"
}

// ParseMissingPolicy reads "fail", "keep" or "drop" (for command-line flags).
func ParseMissingPolicy(s string) (MissingPolicy, error) {
	switch strings.ToLower(s) {
	case "fail", "":
		return FailMissing, nil
	case "keep":
		return KeepMissing, nil
	case "drop", "skip":
		return DropMissing, nil
	}
	return FailMissing, fmt.Errorf("missing-image policy %q: use fail, keep or drop", s)
}

// renumber makes Row.ID the row's index again after rows were added or removed.
func renumber(d *Dataset) {
	for i := range d.Rows {
		d.Rows[i].ID = i
	}
}
