package dataset

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// WriteCSV writes ds as image,caption,split,label (one line per caption) to
// path, atomically (temporary file + rename). Image paths are written
// relative to the CSV's folder so LoadCSV reads them back; in-memory images
// (shapes, fashion) are first saved as PNGs in a folder named after the CSV
// ("out.csv" -> "out_images/").
func WriteCSV(ds *Dataset, path string) error {
	dir := filepath.Dir(path)
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("write csv %s: %w", path, err)
	}
	imgDir := strings.TrimSuffix(path, filepath.Ext(path)) + "_images"
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write csv %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	w := csv.NewWriter(tmp)
	w.Write([]string{"image", "caption", "split", "label"})
	for i := range ds.Rows {
		r := &ds.Rows[i]
		img, err := csvImagePath(ds, r, absDir, imgDir)
		if err != nil {
			tmp.Close()
			return fmt.Errorf("write csv %s: row %d: %w", path, r.ID, err)
		}
		for _, c := range r.Captions {
			w.Write([]string{img, c, r.Split, r.Label})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		return fmt.Errorf("write csv %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write csv %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write csv %s: %w", path, err)
	}
	return nil
}

// csvImagePath returns the path to write for r, saving in-memory pixels as a PNG.
func csvImagePath(ds *Dataset, r *Row, absDir, imgDir string) (string, error) {
	var file string
	if r.Pixels != nil {
		if err := os.MkdirAll(imgDir, 0o755); err != nil {
			return "", err
		}
		file = filepath.Join(imgDir, fmt.Sprintf("%06d.png", r.ID))
		if err := savePNG(file, r.Pixels.W, r.Pixels.H, r.Pixels.Pix); err != nil {
			return "", err
		}
	} else if r.Member != nil { // inside an archive: the CSV needs a file of its own
		b, ext, err := imageBytes(ds, r)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(imgDir, 0o755); err != nil {
			return "", err
		}
		file = filepath.Join(imgDir, fmt.Sprintf("%06d%s", r.ID, ext))
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return "", err
		}
	} else {
		file = ds.resolve(r.Image)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(absDir, abs); err == nil {
		return filepath.ToSlash(rel), nil
	}
	return abs, nil
}

func savePNG(path string, w, h int, pix []uint8) error {
	b, err := encodePNG(w, h, pix)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// encodePNG encodes packed RGB pixels as a PNG.
func encodePNG(w, h int, pix []uint8) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], pix[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
