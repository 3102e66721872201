package dataset

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

var imageExts = []string{".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}

// LoadFolder reads a folder of images with caption files beside them (a.jpg +
// a.txt, one caption a line), searched recursively. A first-level folder named
// train, val or test sets the split; the folder holding the image (below the
// split folder) names the class. Caption files without an image follow the
// missing-image policy; images without a caption file are skipped and counted
// in Notes.
func LoadFolder(dir string, opt Options) (*Dataset, error) {
	var txts []string
	images := map[string]string{} // path without extension -> image path
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		ext := strings.ToLower(filepath.Ext(rel))
		stem := strings.TrimSuffix(rel, filepath.Ext(rel))
		if ext == ".txt" {
			txts = append(txts, rel)
		} else if isImageExt(ext) {
			images[stem] = rel
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset folder: %w", err)
	}
	sort.Strings(txts)
	d := &Dataset{Name: filepath.Base(filepath.Clean(dir)), Root: dir}
	used := map[string]bool{}
	for _, t := range txts {
		stem := strings.TrimSuffix(t, filepath.Ext(t))
		caps, err := readLines(filepath.Join(dir, t))
		if err != nil {
			return nil, err
		}
		if len(caps) == 0 {
			return nil, fmt.Errorf("%s: no captions; want one caption a line", filepath.Join(dir, t))
		}
		img, ok := images[stem]
		if !ok {
			img = stem + ".jpg" // the expected name, reported as missing
		}
		used[stem] = true
		split, label := folderSplitLabel(t)
		d.Rows = append(d.Rows, Row{Image: img, Captions: caps, Split: split, Label: label})
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("dataset folder: no caption .txt files under %s; want a.jpg + a.txt pairs", dir)
	}
	unused := 0
	for stem := range images {
		if !used[stem] {
			unused++
		}
	}
	if n := unused; n > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d images have no caption file and were skipped", n))
	}
	d.Classes = classesOf(d.Rows)
	renumber(d)
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

func isImageExt(ext string) bool {
	for _, e := range imageExts {
		if ext == e {
			return true
		}
	}
	return false
}

// folderSplitLabel reads split and class from a relative path such as
// "train/dog/a.txt" (split train, class dog) or "dog/a.txt" (class dog).
func folderSplitLabel(rel string) (split, label string) {
	parts := strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/")
	if len(parts) > 0 && parts[0] == "." {
		parts = parts[1:]
	}
	if len(parts) > 0 {
		if s := normSplit(parts[0]); s == Train || s == Val || s == Test {
			split, parts = s, parts[1:]
		}
	}
	if len(parts) > 0 {
		label = parts[len(parts)-1]
	}
	return split, label
}
