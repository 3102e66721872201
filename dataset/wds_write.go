package dataset

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteWebDataset writes d as webdataset tar shards into dir, perShard
// samples each (shard-000000.tar, …), as img2dataset lays them out: per
// sample KEY.jpg (or the image's own extension; in-memory images as .png),
// KEY.txt with its captions one a line, and KEY.json with "captions",
// "split" and "label", which LoadWebDataset reads back. Rows without an
// image are left out. Each shard is written to a temporary file and renamed.
func WriteWebDataset(d *Dataset, dir string, perShard int) ([]string, error) {
	if perShard < 1 {
		return nil, fmt.Errorf("write wds: %d samples a shard: want at least 1", perShard)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write wds: %w", err)
	}
	var rows []*Row
	for i := range d.Rows {
		if !d.Rows[i].MissingImage && (d.Rows[i].Image != "" || d.Rows[i].Pixels != nil) {
			rows = append(rows, &d.Rows[i])
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("write wds: dataset %s has no images to write", d.Name)
	}
	var shards []string
	for lo := 0; lo < len(rows); lo += perShard {
		path := filepath.Join(dir, fmt.Sprintf("shard-%06d.tar", len(shards)))
		if err := writeShard(d, rows[lo:min(lo+perShard, len(rows))], path); err != nil {
			return nil, err
		}
		shards = append(shards, path)
	}
	return shards, nil
}

func writeShard(d *Dataset, rows []*Row, path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".shard-*.tmp")
	if err != nil {
		return fmt.Errorf("write wds: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	tw := tar.NewWriter(tmp)
	put := func(name string, b []byte) error {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	for _, r := range rows {
		key := fmt.Sprintf("%06d", r.ID)
		img, ext, err := imageBytes(d, r)
		if err != nil {
			return fmt.Errorf("write wds %s: row %d: %w", path, r.ID, err)
		}
		meta, _ := json.Marshal(struct {
			Captions []string `json:"captions"`
			Split    string   `json:"split,omitempty"`
			Label    string   `json:"label,omitempty"`
		}{r.Captions, r.Split, r.Label})
		for _, m := range []struct {
			name string
			data []byte
		}{{key + ext, img}, {key + ".txt", []byte(strings.Join(r.Captions, "\n") + "\n")}, {key + ".json", meta}} {
			if err := put(m.name, m.data); err != nil {
				return fmt.Errorf("write wds %s: %w", path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write wds %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write wds %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write wds %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// imageBytes is a row's image as stored: the file's bytes, an archive
// member's, or an in-memory image encoded as PNG; and its extension.
func imageBytes(d *Dataset, r *Row) ([]byte, string, error) {
	if r.Pixels != nil {
		b, err := encodePNG(r.Pixels.W, r.Pixels.H, r.Pixels.Pix)
		return b, ".png", err
	}
	f, err := os.Open(d.ImagePath(r))
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	name := r.Image
	var src io.Reader = f
	if m := r.Member; m != nil {
		name, src = m.Name, io.NewSectionReader(f, m.Offset, m.Size)
	}
	b, err := io.ReadAll(src)
	if err != nil {
		return nil, "", err
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".jpeg" {
		ext = ".jpg"
	}
	return b, ext, nil
}
