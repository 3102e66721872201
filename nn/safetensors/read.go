package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
)

// Read loads every tensor of a safetensors file, converted to float32, in the
// order their data appears in the file (name order for files made by Write),
// and its metadata (nil when the file has none).
func Read(path string) ([]Tensor, map[string]string, error) {
	f, size, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return decode(path, f, size)
}

// open opens a file and reports its size.
func open(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("safetensors %s: %w", path, err)
	}
	return f, st.Size(), nil
}

// ReadBytes is Read for a file already in memory; name is used in errors.
func ReadBytes(name string, b []byte) ([]Tensor, map[string]string, error) {
	return decode(name, bytes.NewReader(b), int64(len(b)))
}

func decode(name string, r io.ReaderAt, size int64) ([]Tensor, map[string]string, error) {
	ts, meta, err := decodeUnnamed(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors %s: %w", name, err)
	}
	return ts, meta, nil
}

// Entry describes one stored tensor as its header does.
type Entry struct {
	Name  string
	DType string // as stored: F32, F16, BF16, I64, …
	Shape []int
}

// Describe reads only the header of a safetensors file: its tensors in data
// order, with their stored dtypes and shapes, and its metadata.
func Describe(path string) ([]Entry, map[string]string, error) {
	f, size, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	infos, meta, _, err := readHeader(f, size)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	out := make([]Entry, len(infos))
	for i, in := range infos {
		out[i] = Entry{Name: in.name, DType: in.dtypeName, Shape: in.shape}
	}
	return out, meta, nil
}

func decodeUnnamed(r io.ReaderAt, size int64) ([]Tensor, map[string]string, error) {
	infos, meta, dataStart, err := readHeader(r, size)
	if err != nil {
		return nil, nil, err
	}
	tensors := make([]Tensor, len(infos))
	var chunk []byte
	for i, in := range infos {
		data := make([]float32, in.numel) // safe: numel·size ≤ the bytes present, checked above
		if chunk, err = readInto(r, dataStart+in.begin, in.dtype, data, chunk); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: reading data: %w", in.name, err)
		}
		tensors[i] = Tensor{Name: in.name, Shape: in.shape, Data: data}
	}
	return tensors, meta, nil
}

// readHeader reads and checks the header: the tensors sorted by where their
// data begins, none overlapping, and the offset of the data buffer.
func readHeader(r io.ReaderAt, size int64) ([]info, map[string]string, int64, error) {
	if size < 8 {
		return nil, nil, 0, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, nil, 0, fmt.Errorf("reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	switch {
	case n > uint64(size-8):
		return nil, nil, 0, fmt.Errorf("bad header length %d: larger than the %d bytes after it (truncated or not a safetensors file)", n, size-8)
	case n > maxHeader:
		return nil, nil, 0, fmt.Errorf("bad header length %d: over the %d-byte limit", n, maxHeader)
	case n < 2:
		return nil, nil, 0, fmt.Errorf("bad header length %d: too short for a JSON object", n)
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, nil, 0, fmt.Errorf("reading header: %w", err)
	}
	dataStart := 8 + int64(n)
	infos, meta, err := parseHeader(hdr, size-dataStart)
	if err != nil {
		return nil, nil, 0, err
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].begin != infos[j].begin {
			return infos[i].begin < infos[j].begin
		}
		return infos[i].name < infos[j].name
	})
	if err := checkOverlap(infos); err != nil {
		return nil, nil, 0, err
	}
	return infos, meta, dataStart, nil
}

// checkOverlap rejects tensors whose byte ranges share bytes (infos sorted by begin).
func checkOverlap(infos []info) error {
	var prev *info
	for i := range infos {
		in := &infos[i]
		if in.begin == in.end {
			continue
		}
		if prev != nil && in.begin < prev.end {
			return fmt.Errorf("tensors %q [%d, %d] and %q [%d, %d] overlap", prev.name, prev.begin, prev.end, in.name, in.begin, in.end)
		}
		prev = in
	}
	return nil
}

// readInto decodes len(dst) elements starting at byte off, through a bounded
// scratch buffer that is returned for reuse.
func readInto(r io.ReaderAt, off int64, dt dtype, dst []float32, scratch []byte) ([]byte, error) {
	const chunkElems = 16 << 10
	for done := 0; done < len(dst); {
		k := min(chunkElems, len(dst)-done)
		nb := k * dt.size
		if cap(scratch) < nb {
			scratch = make([]byte, nb)
		}
		buf := scratch[:nb]
		if _, err := r.ReadAt(buf, off); err != nil {
			return scratch, err
		}
		for i := range k {
			dst[done+i] = dt.decode(buf[i*dt.size:])
		}
		done += k
		off += int64(nb)
	}
	return scratch, nil
}
