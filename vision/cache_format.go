package vision

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Cache file layout (little-endian):
//
//	0   [8]byte  magic "MMPVCACH"
//	8   uint32   format version
//	12  uint32   image side (size)
//	16  uint64   image count N
//	24  uint64   skipped count S
//	32  [32]byte SHA-256 of the source list and size (staleness key)
//	64  uint32   CRC-32C of bytes 0..63 and the skip list
//	68  zero padding up to cacheHeaderLen
//	cacheHeaderLen  N·size·size·3 uint8 pixels (HWC per image, skipped = black)
//	then            S uint64 skipped indices, ascending
const (
	cacheMagic     = "MMPVCACH"
	cacheVersion   = 1
	cacheHeaderLen = 128
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// cacheHeader is the decoded fixed part of a cache file.
type cacheHeader struct {
	size    int
	count   int
	skipped []int
	key     [32]byte
}

func (h *cacheHeader) imageBytes() int64 { return int64(h.size) * int64(h.size) * 3 }
func (h *cacheHeader) pixelBytes() int64 { return int64(h.count) * h.imageBytes() }
func (h *cacheHeader) fileLen() int64 {
	return cacheHeaderLen + h.pixelBytes() + 8*int64(len(h.skipped))
}

// encode returns the fixed header and the skip-list trailer.
func (h *cacheHeader) encode() (head, trailer []byte) {
	head = make([]byte, cacheHeaderLen)
	copy(head, cacheMagic)
	binary.LittleEndian.PutUint32(head[8:], cacheVersion)
	binary.LittleEndian.PutUint32(head[12:], uint32(h.size))
	binary.LittleEndian.PutUint64(head[16:], uint64(h.count))
	binary.LittleEndian.PutUint64(head[24:], uint64(len(h.skipped)))
	copy(head[32:64], h.key[:])
	trailer = make([]byte, 8*len(h.skipped))
	for i, s := range h.skipped {
		binary.LittleEndian.PutUint64(trailer[8*i:], uint64(s))
	}
	crc := crc32.Update(crc32.Checksum(head[:64], crcTable), crcTable, trailer)
	binary.LittleEndian.PutUint32(head[64:], crc)
	return head, trailer
}

// readCacheHeader reads and validates the header and skip list of f, whose
// length is fileLen. Errors say what is wrong; the caller adds the path.
func readCacheHeader(f *os.File, fileLen int64) (*cacheHeader, error) {
	head := make([]byte, cacheHeaderLen)
	if _, err := io.ReadFull(f, head); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("truncated: %d bytes, shorter than the %d-byte header", fileLen, cacheHeaderLen)
		}
		return nil, err
	}
	if string(head[:8]) != cacheMagic {
		return nil, fmt.Errorf("not an image cache (bad magic %q)", head[:8])
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != cacheVersion {
		return nil, fmt.Errorf("cache format version %d, this build reads %d", v, cacheVersion)
	}
	size := binary.LittleEndian.Uint32(head[12:])
	count := binary.LittleEndian.Uint64(head[16:])
	nskip := binary.LittleEndian.Uint64(head[24:])
	if size == 0 || size > 1<<14 || count > 1<<40 || nskip > count {
		return nil, fmt.Errorf("corrupt header (size %d, count %d, skipped %d)", size, count, nskip)
	}
	h := &cacheHeader{size: int(size), count: int(count), skipped: make([]int, 0, min(nskip, 1<<20))}
	copy(h.key[:], head[32:64])
	pixEnd := cacheHeaderLen + h.pixelBytes()
	if want := pixEnd + 8*int64(nskip); fileLen != want {
		return nil, fmt.Errorf("truncated or corrupt: %d bytes, header promises %d (%d images of %dx%d)", fileLen, want, count, size, size)
	}
	trailer := make([]byte, 8*nskip)
	if _, err := f.ReadAt(trailer, pixEnd); err != nil {
		return nil, fmt.Errorf("reading skip list: %w", err)
	}
	crc := crc32.Update(crc32.Checksum(head[:64], crcTable), crcTable, trailer)
	if crc != binary.LittleEndian.Uint32(head[64:]) {
		return nil, fmt.Errorf("corrupt header (checksum mismatch)")
	}
	for i := range int(nskip) {
		s := binary.LittleEndian.Uint64(trailer[8*i:])
		if s >= count || (i > 0 && int(s) <= h.skipped[i-1]) {
			return nil, fmt.Errorf("corrupt skip list (index %d)", s)
		}
		h.skipped = append(h.skipped, int(s))
	}
	return h, nil
}

// sourceKey hashes everything the cached pixels depend on: the format
// version, the size, and per source its path with file size and mtime, or an
// in-memory image's pixels. A changed list, file or size changes the key.
func sourceKey(images []ImageSource, size int) [32]byte {
	hs := sha256.New()
	var buf [8]byte
	putInt := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		hs.Write(buf[:])
	}
	hs.Write([]byte(cacheMagic))
	putInt(cacheVersion)
	putInt(int64(size))
	putInt(int64(len(images)))
	for _, src := range images {
		if src.Pixels != nil {
			hs.Write([]byte{'M'})
			putInt(int64(src.Pixels.W))
			putInt(int64(src.Pixels.H))
			hs.Write(src.Pixels.Pix)
			continue
		}
		hs.Write([]byte{'F'})
		putInt(int64(len(src.Path)))
		hs.Write([]byte(src.Path))
		if src.Length > 0 { // a member: the same file holds many images
			putInt(src.Offset)
			putInt(src.Length)
		}
		if st, err := os.Stat(src.Path); err == nil {
			putInt(st.Size())
			putInt(st.ModTime().UnixNano())
		} else {
			putInt(-1)
			putInt(-1)
		}
	}
	var key [32]byte
	hs.Sum(key[:0])
	return key
}
