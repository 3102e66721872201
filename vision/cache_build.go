package vision

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// ImageSource is one image to cache: a file Path, or in-memory Pixels
// (synthetic data), which take precedence when set.
type ImageSource struct {
	Path string
	// Offset and Length > 0 locate the image inside the file at Path (a
	// member of a webdataset tar), read in place; Name calls it in errors.
	Offset, Length int64
	Name           string
	Pixels         *rgb.Image
}

// MissingPolicy says what BuildCache does with an image it cannot read.
type MissingPolicy int

const (
	// FailOnBad stops at the lowest-index bad image with an error naming it.
	FailOnBad MissingPolicy = iota
	// SkipBad stores a black image in the slot and lists it in Skipped.
	SkipBad
)

// BuildCache returns the cache at path for images at size×size, reusing the
// file when it was built from the same sources and size, and (re)building it
// otherwise: a stale, corrupt or truncated file is replaced. Images are decoded
// in parallel; slot i always holds source i. The file is written to a temporary
// name and renamed, so readers never see a half-written cache. progress, if not
// nil, is called (serially) after each image with the number done so far.
func BuildCache(path string, images []ImageSource, size int, policy MissingPolicy, progress func(done, total int)) (*Cache, error) {
	if size < 1 || size > 1<<14 {
		return nil, fmt.Errorf("image cache %s: size %d must be in 1..16384", path, size)
	}
	key := sourceKey(images, size)
	if c, err := OpenCache(path); err == nil {
		fresh := c.hdr.key == key && c.hdr.size == size && c.hdr.count == len(images)
		if fresh && (policy == SkipBad || len(c.hdr.skipped) == 0) {
			return c, nil
		}
		c.Close() // stale, or skipped images the fail policy forbids: rebuild
	}
	// A missing, corrupt or truncated cache is only a cache: (re)build it.
	if err := writeCache(path, images, size, policy, key, progress); err != nil {
		return nil, err
	}
	return OpenCache(path)
}

// writeCache decodes every source into a temporary file beside path and
// renames it into place.
func writeCache(path string, images []ImageSource, size int, policy MissingPolicy, key [32]byte, progress func(done, total int)) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("image cache %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("image cache %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	hdr := &cacheHeader{size: size, count: len(images), key: key}
	// Sizing the file first leaves skipped slots as zero (black) pixels.
	if err := tmp.Truncate(cacheHeaderLen + hdr.pixelBytes()); err != nil {
		return fmt.Errorf("image cache %s: %w", tmp.Name(), err)
	}
	bad, err := fillSlots(tmp, images, size, policy, progress)
	if err != nil {
		return fmt.Errorf("image cache %s: %w", path, err)
	}
	hdr.skipped = bad
	head, trailer := hdr.encode()
	if _, err := tmp.WriteAt(trailer, cacheHeaderLen+hdr.pixelBytes()); err != nil {
		return fmt.Errorf("image cache %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.WriteAt(head, 0); err != nil {
		return fmt.Errorf("image cache %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("image cache %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("image cache %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("image cache %s: %w", path, err)
	}
	return nil
}

// fillSlots decodes, resizes and crops every source into its slot of f and
// returns the skipped indices. Under FailOnBad it returns the error of the
// lowest-index bad image, whatever order the workers met them in.
func fillSlots(f *os.File, images []ImageSource, size int, policy MissingPolicy, progress func(done, total int)) ([]int, error) {
	n := len(images)
	errs := make([]error, n)
	var next atomic.Int64
	var firstBad atomic.Int64 // images above a known bad one need no work under FailOnBad
	firstBad.Store(int64(n))
	var writeErr atomic.Pointer[error]
	var progMu sync.Mutex
	done := 0
	worker := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n || writeErr.Load() != nil {
				return
			}
			if policy == FailOnBad && int64(i) > firstBad.Load() {
				continue
			}
			img, err := cacheImage(images[i], size)
			if err != nil {
				errs[i] = fmt.Errorf("image %d: %w", i, err)
				for old := firstBad.Load(); int64(i) < old && !firstBad.CompareAndSwap(old, int64(i)); old = firstBad.Load() {
				}
			} else if _, err := f.WriteAt(img.Pix, cacheHeaderLen+int64(i)*int64(len(img.Pix))); err != nil {
				err = fmt.Errorf("writing %s: %w", f.Name(), err)
				writeErr.CompareAndSwap(nil, &err)
				return
			}
			if progress != nil {
				progMu.Lock()
				done++
				progress(done, n)
				progMu.Unlock()
			}
		}
	}
	// One claim-as-you-go worker per pool thread balances slow and fast images.
	parallel.For(parallel.Threads(), 1, func(lo, hi int) {
		for range hi - lo {
			worker()
		}
	})
	if p := writeErr.Load(); p != nil {
		return nil, *p
	}
	var bad []int
	for i, err := range errs {
		if err == nil {
			continue
		}
		if policy == FailOnBad {
			return nil, fmt.Errorf("%w (pass --missing drop to leave such images out, or --missing keep for caption-only rows; in an experiment config, \"missing\": \"drop\")", err)
		}
		bad = append(bad, i)
	}
	return bad, nil
}

// cacheImage produces the stored form of one source: shorter side resized to
// size, then the centre size×size square (CLIP's test transform before
// normalising; training crops operate on this square).
func cacheImage(src ImageSource, size int) (*rgb.Image, error) {
	img := src.Pixels
	if img == nil {
		if src.Path == "" {
			return nil, errors.New("source has neither a path nor pixels")
		}
		var err error
		if img, err = DecodeSource(src); err != nil {
			return nil, err
		}
	} else if img.W < 1 || img.H < 1 || len(img.Pix) != 3*img.W*img.H {
		return nil, fmt.Errorf("in-memory image %dx%d has %d bytes, want %d", img.W, img.H, len(img.Pix), 3*img.W*img.H)
	}
	return CenterCrop(ResizeShorter(img, size), size), nil
}

// DecodeSource decodes a file's image, or one stored inside an archive.
func DecodeSource(src ImageSource) (*rgb.Image, error) {
	if src.Length > 0 {
		return decodeMember(src)
	}
	return Decode(src.Path)
}

// decodeMember decodes an image stored inside an archive, in place.
func decodeMember(src ImageSource) (*rgb.Image, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := DecodeReader(io.NewSectionReader(f, src.Offset, src.Length))
	if err != nil {
		name := src.Name
		if name == "" {
			name = fmt.Sprintf("%s at byte %d", src.Path, src.Offset)
		}
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	return img, nil
}
