package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// LoadCSV reads an open_clip-style CSV or TSV (TSV when the name ends in
// .tsv): a header row, an image-path column and a caption column (defaults
// filepath/title, else image/caption), optional split and label columns.
// Rows that repeat an image are merged into one Row. Relative image paths are
// resolved against the file's folder (or opt.ImageRoot).
func LoadCSV(path string, opt Options) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset csv: %w", err)
	}
	defer f.Close()
	var records func() ([]string, int, error)
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		records = tsvRecords(f)
	} else {
		records = csvRecords(f)
	}
	header, _, err := records()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%s: empty file, want a header row", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cols, err := pickColumns(header, opt)
	if err != nil {
		return nil, fmt.Errorf("%s line 1: %w", path, err)
	}
	g := newGrouper()
	for {
		rec, line, err := records()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s line %d: %d fields, header has %d", path, line, len(rec), len(header))
		}
		img := strings.TrimSpace(rec[cols.image])
		if img == "" {
			return nil, fmt.Errorf("%s line %d: empty image path in column %q", path, line, header[cols.image])
		}
		var split, label string
		if cols.split >= 0 {
			split = normSplit(rec[cols.split])
		}
		if cols.label >= 0 {
			label = strings.TrimSpace(rec[cols.label])
		}
		g.add(img, rec[cols.caption], split, label)
	}
	root := opt.ImageRoot
	if root == "" {
		root = guessImageRoot(filepath.Dir(path), g.rows)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	d := &Dataset{Name: name, Root: root, Rows: g.rows, Classes: classesOf(g.rows)}
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

type csvColumns struct{ image, caption, split, label int }

// pickColumns finds the configured or conventional column names in header.
func pickColumns(header []string, opt Options) (csvColumns, error) {
	find := func(names ...string) int {
		for _, n := range names {
			for i, h := range header {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					return i
				}
			}
		}
		return -1
	}
	c := csvColumns{split: -1, label: -1}
	if opt.ImageColumn != "" {
		c.image = find(opt.ImageColumn)
	} else {
		c.image = find("filepath", "image", "image_path", "filename", "file_name")
	}
	if opt.CaptionColumn != "" {
		c.caption = find(opt.CaptionColumn)
	} else {
		c.caption = find("title", "caption", "text", "sentence")
	}
	if c.image < 0 || c.caption < 0 {
		return c, fmt.Errorf("header %q lacks an image and a caption column; name them filepath,title or image,caption, or set the column options", strings.Join(header, ","))
	}
	if opt.SplitColumn != "" {
		if c.split = find(opt.SplitColumn); c.split < 0 {
			return c, fmt.Errorf("no split column %q in header", opt.SplitColumn)
		}
	} else {
		c.split = find("split")
	}
	if opt.LabelColumn != "" {
		if c.label = find(opt.LabelColumn); c.label < 0 {
			return c, fmt.Errorf("no label column %q in header", opt.LabelColumn)
		}
	} else {
		c.label = find("label", "class")
	}
	return c, nil
}

// skipBOM drops a leading UTF-8 byte-order mark, which spreadsheet programs
// write and which would otherwise stick to the first header name.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// csvRecords yields RFC 4180 records with the line each starts on.
func csvRecords(r io.Reader) func() ([]string, int, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // checked by the caller with a clearer message
	return func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, pe.StartLine, fmt.Errorf("line %d: malformed CSV: %v", pe.StartLine, pe.Err)
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
}

// tsvRecords splits lines on tabs without quote handling, as open_clip's
// pandas reader of caption TSVs effectively does for quote-free captions.
func tsvRecords(r io.Reader) func() ([]string, int, error) {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	return func() ([]string, int, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return nil, line, fmt.Errorf("line %d: %w", line+1, err)
			}
			return nil, line, io.EOF
		}
		line++
		return strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t"), line, nil
	}
}

// guessImageRoot returns dir, or dir/Images or dir/images when the first
// relative image path is found only there (Flickr8k's captions.csv lists bare
// file names next to an Images/ folder).
func guessImageRoot(dir string, rows []Row) string {
	if len(rows) == 0 || filepath.IsAbs(rows[0].Image) {
		return dir
	}
	if _, err := os.Stat(filepath.Join(dir, rows[0].Image)); err == nil {
		return dir
	}
	for _, sub := range []string{"Images", "images"} {
		if _, err := os.Stat(filepath.Join(dir, sub, rows[0].Image)); err == nil {
			return filepath.Join(dir, sub)
		}
	}
	return dir
}
