package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// Write stores tensors as F32 in name order, with optional string metadata,
// atomically: it writes a temporary file in the same directory, syncs it and
// renames it over path, so a crash leaves either the old file or the new one.
func Write(path string, tensors []Tensor, meta map[string]string) error {
	hdr, sorted, err := header(tensors, meta)
	if err != nil {
		return fmt.Errorf("safetensors %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := writeBody(w, hdr, sorted); err != nil {
		return fmt.Errorf("safetensors %s: writing: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("safetensors %s: writing: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes 0600; checkpoints are shared
		return fmt.Errorf("safetensors %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("safetensors %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("safetensors %s: close: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("safetensors %s: %w", path, err)
	}
	ok = true
	syncDir(dir)
	return nil
}

// Marshal encodes tensors the way Write stores them, in memory.
func Marshal(tensors []Tensor, meta map[string]string) ([]byte, error) {
	hdr, sorted, err := header(tensors, meta)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	var b bytes.Buffer
	if err := writeBody(&b, hdr, sorted); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// syncDir makes the rename durable; failure only weakens crash safety, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type headerEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// header checks the tensors and builds the space-padded JSON header (length a
// multiple of 8, so the data that follows stays aligned) and the tensors in
// the name order their data is laid out in.
func header(tensors []Tensor, meta map[string]string) ([]byte, []Tensor, error) {
	sorted := slices.Clone(tensors)
	sortByName(sorted)
	entries := make(map[string]any, len(sorted)+1)
	var off int64
	for i, t := range sorted {
		if t.Name == metadataKey {
			return nil, nil, fmt.Errorf("tensor name %q is reserved for metadata", metadataKey)
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return nil, nil, fmt.Errorf("tensor name %q is used twice", t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			if d > 0 && n > math.MaxInt/d { // a wrapped product could match len(Data) by accident
				return nil, nil, fmt.Errorf("tensor %q: shape %v has too many elements", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, nil, fmt.Errorf("tensor %q: shape %v needs %d values, has %d", t.Name, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar is written as "shape": [], never null
		}
		size := int64(4 * n)
		entries[t.Name] = headerEntry{DType: "F32", Shape: shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	if len(meta) > 0 {
		entries[metadataKey] = meta
	}
	js, err := json.Marshal(entries) // encoding/json writes map keys sorted
	if err != nil {
		return nil, nil, err
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte(" "), pad)...)
	}
	return js, sorted, nil
}

func writeBody(w io.Writer, hdr []byte, sorted []Tensor) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	var buf [4 << 10]byte
	for _, t := range sorted {
		for lo := 0; lo < len(t.Data); lo += len(buf) / 4 {
			hi := min(lo+len(buf)/4, len(t.Data))
			for i, v := range t.Data[lo:hi] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*(hi-lo)]); err != nil {
				return err
			}
		}
	}
	return nil
}
