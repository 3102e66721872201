package dataset

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadFlickr reads a Flickr8k or Flickr30k folder: a token file
// (Flickr8k.token.txt or results_20130124.token, lines "name#i<TAB>caption"),
// an image folder (Images/, Flicker8k_Dataset/, flickr30k-images/ or the
// folder itself) and optional split lists Flickr_8k.{train,dev,test}Images.txt
// (dev becomes Val). Images in no split list keep Split "".
func LoadFlickr(dir string, opt Options) (*Dataset, error) {
	tokens := firstExisting(dir, "Flickr8k.token.txt", "results_20130124.token", "results.token", "Flickr30k.token.txt")
	if tokens == "" {
		return nil, fmt.Errorf("dataset flickr: no token file (Flickr8k.token.txt or results_20130124.token) in %s", dir)
	}
	g := newGrouper()
	if err := readTokenFile(tokens, g); err != nil {
		return nil, err
	}
	name := "flickr8k"
	if !strings.Contains(filepath.Base(tokens), "8k") {
		name = "flickr30k"
	}
	d := &Dataset{Name: name, Root: dir, Rows: g.rows}
	if imgDir := firstExisting(dir, "Images", "Flicker8k_Dataset", "Flickr8k_Dataset", "flickr30k-images"); imgDir != "" {
		for i := range d.Rows {
			d.Rows[i].Image = filepath.Join(filepath.Base(imgDir), d.Rows[i].Image)
		}
	}
	listed, err := applySplitLists(d, g.index, dir)
	if err != nil {
		return nil, err
	}
	if listed {
		if n := countSplit(d, ""); n > 0 {
			d.Notes = append(d.Notes, fmt.Sprintf("%d images are in no split list (Split \"\")", n))
		}
	}
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

// readTokenFile parses "name#i<TAB>caption" lines into g.
func readTokenFile(path string, g *grouper) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dataset flickr: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		key, caption, ok := strings.Cut(text, "\t")
		if !ok {
			return fmt.Errorf("%s line %d: no tab; want \"name#i<TAB>caption\"", path, line)
		}
		img, _, ok := strings.Cut(key, "#")
		switch {
		case !ok:
			return fmt.Errorf("%s line %d: key %q lacks \"#i\"; want \"name#i<TAB>caption\"", path, line, key)
		case strings.TrimSpace(img) == "":
			return fmt.Errorf("%s line %d: key %q has an empty image name; want \"name#i<TAB>caption\"", path, line, key)
		}
		g.add(img, caption, "", "")
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s line %d: %w", path, line+1, err)
	}
	return nil
}

// applySplitLists sets Row.Split from the Flickr_*.{train,dev,test}Images.txt
// lists; it reports whether any list was found.
func applySplitLists(d *Dataset, index map[string]int, dir string) (bool, error) {
	found := false
	for _, l := range []struct{ part, split string }{{"train", Train}, {"dev", Val}, {"test", Test}} {
		path := firstExisting(dir, "Flickr_8k."+l.part+"Images.txt", "Flickr_30k."+l.part+"Images.txt")
		if path == "" {
			continue
		}
		found = true
		data, err := os.ReadFile(path)
		if err != nil {
			return found, fmt.Errorf("dataset flickr: %w", err)
		}
		for n, name := range strings.Split(string(data), "\n") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			i, ok := index[name]
			if !ok {
				return found, fmt.Errorf("%s line %d: image %q has no captions in the token file", path, n+1, name)
			}
			if prev := d.Rows[i].Split; prev != "" && prev != l.split {
				return found, fmt.Errorf("%s line %d: image %q is already in the %s split list; an image belongs to one split", path, n+1, name, prev)
			}
			d.Rows[i].Split = l.split
		}
	}
	return found, nil
}

// firstExisting returns dir/name for the first name that exists, else "".
func firstExisting(dir string, names ...string) string {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func countSplit(d *Dataset, split string) int {
	n := 0
	for _, r := range d.Rows {
		if r.Split == split {
			n++
		}
	}
	return n
}
