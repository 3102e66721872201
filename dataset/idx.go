package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// IDX is an unsigned-byte tensor read from an IDX file (the MNIST format).
type IDX struct {
	Dims []int   // e.g. [60000 28 28] for images, [60000] for labels
	Data []uint8 // row-major, len = product of Dims
}

// maxIDXBytes caps what a gzipped IDX file may unpack to (Fashion-MNIST's
// largest is 47 MB), so that a hostile stream cannot exhaust memory.
var maxIDXBytes = 1 << 30

// ReadIDX reads an idx1/idx3 (any rank) unsigned-byte file, raw or gzipped.
func ReadIDX(path string) (*IDX, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("idx %s: bad gzip stream: %w", path, err)
		}
		raw, err = io.ReadAll(io.LimitReader(zr, int64(maxIDXBytes)+1))
		if err != nil {
			return nil, fmt.Errorf("idx %s: gzip stream broken (truncated download?): %w", path, err)
		}
		if len(raw) > maxIDXBytes {
			return nil, fmt.Errorf("idx %s: unpacks to more than %d bytes; not an IDX file this loader will hold in memory", path, maxIDXBytes)
		}
	}
	return parseIDX(path, raw)
}

func parseIDX(path string, raw []byte) (*IDX, error) {
	if len(raw) < 4 {
		return nil, fmt.Errorf("idx %s: truncated: %d bytes, want a 4-byte magic number", path, len(raw))
	}
	if raw[0] != 0 || raw[1] != 0 {
		return nil, fmt.Errorf("idx %s: bad magic % x; want 00 00 08 <rank> (is this an IDX file?)", path, raw[:4])
	}
	if raw[2] != 0x08 {
		return nil, fmt.Errorf("idx %s: element type 0x%02x not supported; only unsigned bytes (0x08)", path, raw[2])
	}
	rank := int(raw[3])
	if rank == 0 {
		return nil, fmt.Errorf("idx %s: bad magic: rank 0", path)
	}
	head := 4 + 4*rank
	if len(raw) < head {
		return nil, fmt.Errorf("idx %s: truncated header: %d bytes, want %d for rank %d", path, len(raw), head, rank)
	}
	dims := make([]int, rank)
	var total int64 = 1
	for i := range dims {
		// In int64, so that a hostile header cannot overflow int on 32-bit machines.
		d := int64(binary.BigEndian.Uint32(raw[4+4*i:]))
		if d == 0 && i > 0 {
			return nil, fmt.Errorf("idx %s: dimension %d is 0: items of an empty shape", path, i)
		}
		total *= d
		if total > 1<<34 || d > 1<<31-1 {
			return nil, fmt.Errorf("idx %s: dimension %d (size %d) makes the data too large", path, i, d)
		}
		dims[i] = int(d)
	}
	if got := int64(len(raw) - head); got != total {
		if got < total {
			return nil, fmt.Errorf("idx %s: truncated: %d data bytes, want %d for shape %v", path, got, total, dims)
		}
		return nil, fmt.Errorf("idx %s: %d trailing bytes after shape %v", path, got-total, dims)
	}
	return &IDX{Dims: dims, Data: raw[head:]}, nil
}
