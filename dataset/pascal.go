package dataset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadPascal reads the UIUC PASCAL Sentences layout: sentence/<class>/<id>.txt
// (one caption a line) and dataset/<class>/<id>.jpg. The class is the folder
// name. Each class is split in half by a seeded shuffle (opt.Seed, default
// 42): the first half Train, the rest Test, as the paper's 25 + 25.
func LoadPascal(dir string, opt Options) (*Dataset, error) {
	sentDir := filepath.Join(dir, "sentence")
	classes, err := subdirs(sentDir)
	if err != nil {
		return nil, fmt.Errorf("dataset pascal: %w (want sentence/<class>/<id>.txt under %s)", err, dir)
	}
	d := &Dataset{Name: "pascal", Root: dir, Classes: classes}
	rng := rand.New(rand.NewPCG(opt.seed(), 2))
	for _, class := range classes {
		entries, err := os.ReadDir(filepath.Join(sentDir, class))
		if err != nil {
			return nil, fmt.Errorf("dataset pascal: %w", err)
		}
		var rows []Row
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
				continue
			}
			path := filepath.Join(sentDir, class, e.Name())
			caps, err := readLines(path)
			if err != nil {
				return nil, err
			}
			if len(caps) == 0 {
				return nil, fmt.Errorf("%s: no captions; want one caption a line", path)
			}
			id := strings.TrimSuffix(e.Name(), ".txt")
			rows = append(rows, Row{Image: filepath.Join("dataset", class, id+".jpg"), Captions: caps, Label: class})
		}
		perm := rng.Perm(len(rows))
		for rank, i := range perm {
			rows[i].Split = Train
			if rank >= len(rows)/2 {
				rows[i].Split = Test
			}
		}
		d.Rows = append(d.Rows, rows...)
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("dataset pascal: no sentence files under %s", sentDir)
	}
	renumber(d)
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

// subdirs lists the folder names inside dir, sorted.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// readLines returns the non-blank, trimmed lines of a text file.
func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}
