package vision

import (
	"fmt"
	"os"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Cache is a file of images decoded, resized (shorter side) and centre-cropped
// once to size×size, shared read-only by every epoch and every job using the
// same data. Its methods are safe for concurrent use until Close.
type Cache struct {
	path    string
	hdr     *cacheHeader
	data    []byte // the mapped file; pixels start at cacheHeaderLen
	release func() error
}

// OpenCache maps an existing cache file after validating its header, length
// and checksum. A truncated or corrupt file is an error naming it; whether
// the cache matches a source list is checked by BuildCache.
func OpenCache(path string) (*Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image cache %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("image cache %s: %w", path, err)
	}
	hdr, err := readCacheHeader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("image cache %s: %w (delete it to rebuild)", path, err)
	}
	data, release, err := mapFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("image cache %s: mapping %d bytes: %w", path, st.Size(), err)
	}
	return &Cache{path: path, hdr: hdr, data: data, release: release}, nil
}

// Path is the cache file.
func (c *Cache) Path() string { return c.path }

// Len is the number of image slots, one per source, skipped ones included.
func (c *Cache) Len() int { return c.hdr.count }

// Size is the side of every cached image.
func (c *Cache) Size() int { return c.hdr.size }

// Skipped lists, ascending, the source indices whose image could not be read
// under the skip policy; their slots hold black images.
func (c *Cache) Skipped() []int { return append([]int(nil), c.hdr.skipped...) }

// Image returns a copy of image i.
func (c *Cache) Image(i int) *rgb.Image {
	dst := rgb.New(c.hdr.size, c.hdr.size)
	c.ImageInto(dst, i)
	return dst
}

// ImageInto copies image i into dst, reusing dst.Pix when large enough.
func (c *Cache) ImageInto(dst *rgb.Image, i int) {
	s := c.hdr.size
	if cap(dst.Pix) < 3*s*s {
		dst.Pix = make([]uint8, 3*s*s)
	}
	dst.W, dst.H, dst.Pix = s, s, dst.Pix[:3*s*s]
	copy(dst.Pix, c.pixels(i))
}

// view returns image i aliasing the mapped file: read-only, no copy.
func (c *Cache) view(i int) *rgb.Image {
	return &rgb.Image{W: c.hdr.size, H: c.hdr.size, Pix: c.pixels(i)}
}

func (c *Cache) pixels(i int) []uint8 {
	if i < 0 || i >= c.hdr.count {
		panic(fmt.Sprintf("vision.Cache %s: image index %d out of range [0, %d)", c.path, i, c.hdr.count))
	}
	n := c.hdr.imageBytes()
	off := cacheHeaderLen + int64(i)*n
	return c.data[off : off+n : off+n]
}

// Close unmaps the file; the Cache must not be used afterwards.
func (c *Cache) Close() error {
	if c.release == nil {
		return nil
	}
	err := c.release()
	c.release, c.data = nil, nil
	return err
}
