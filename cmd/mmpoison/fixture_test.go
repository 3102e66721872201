package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// tinyImage is one image of the hand-made fixture dataset.
type tinyImage struct{ name, label, split string }

// tinyImages: 10 images with 2 captions each; train has 4 cat, 2 dog and
// 1 boat images (14 pairs), test has one image per class (6 captions).
var tinyImages = []tinyImage{
	{"cat1", "cat", "train"}, {"cat2", "cat", "train"}, {"cat3", "cat", "train"}, {"cat4", "cat", "train"},
	{"dog1", "dog", "train"}, {"dog2", "dog", "train"}, {"boat1", "boat", "train"},
	{"cat5", "cat", "test"}, {"dog3", "dog", "test"}, {"boat2", "boat", "test"},
}

// tinyCaptions are the two captions of an image, naming its class.
func tinyCaptions(im tinyImage) []string {
	return []string{fmt.Sprintf("a %s in picture %s", im.label, im.name), fmt.Sprintf("photo %s shows one %s", im.name, im.label)}
}

// writeTinyDataset writes the fixture as dir/tiny.csv plus 2×2 PNGs and
// returns the CSV path. With labels false the label column is left out.
func writeTinyDataset(t *testing.T, labels bool) string {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"image", "caption", "split"}
	if labels {
		header = append(header, "label")
	}
	w.Write(header)
	for _, im := range tinyImages {
		file := im.name + ".png"
		writeTinyPNG(t, filepath.Join(dir, file))
		for _, c := range tinyCaptions(im) {
			rec := []string{file, c, im.split}
			if labels {
				rec = append(rec, im.label)
			}
			w.Write(rec)
		}
	}
	w.Flush()
	path := filepath.Join(dir, "tiny.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeTinyPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
}

// exitOf runs the command line and returns its exit status and stderr.
func exitOf(args ...string) (int, string) {
	var out, errs bytes.Buffer
	code := run(args, &out, &errs)
	return code, errs.String()
}

// checkExits asserts the exit status of each command line.
func checkExits(t *testing.T, cases []exitCase) {
	t.Helper()
	for _, c := range cases {
		code, stderr := exitOf(c.args...)
		if code != c.want {
			t.Errorf("mmpoison %q: exit %d, want %d (stderr %q)", c.args, code, c.want, stderr)
		}
		if c.want != 0 && (stderr == "" || bytes.Count([]byte(stderr), []byte("\n")) != 1) {
			t.Errorf("mmpoison %q: stderr %q, want one line", c.args, stderr)
		}
	}
}

type exitCase struct {
	args []string
	want int
}

// sharedData is the read-only data folder, reached from the package folder.
const sharedData = "../../../shared/data"

func needSharedData(t *testing.T, sub string) string {
	t.Helper()
	p := filepath.Join(sharedData, sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared dataset %s is absent (%v); these counts need /work/shared/data", p, err)
	}
	return p
}
