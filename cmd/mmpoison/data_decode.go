package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/internal/progress"
	"github.com/mmpoison/mmpoison/vision"
)

// badImage is an image file that is present but does not decode.
type badImage struct {
	path string
	err  error
}

// decodeImages decodes every image file the rows of ds name (in-memory and
// missing images aside), as the cache builder will, and returns those that
// fail in row order, with the number of files decoded. A truncated JPEG or random bytes named .jpg pass the
// loader's existence check; this finds them before training does.
func decodeImages(ds *dataset.Dataset, log io.Writer) ([]badImage, int) {
	var paths []string
	var sources []vision.ImageSource
	for i := range ds.Rows {
		if r := &ds.Rows[i]; r.Pixels == nil && !r.MissingImage && r.Image != "" {
			src := vision.ImageSource{Path: ds.ImagePath(r)}
			name := src.Path
			if m := r.Member; m != nil { // inside a webdataset shard
				name = src.Path + ": " + m.Name
				src.Offset, src.Length, src.Name = m.Offset, m.Size, name
			}
			paths, sources = append(paths, name), append(sources, src)
		}
	}
	errs := make([]error, len(paths))
	bar := progress.New(log, "decode", len(paths), 10*time.Second)
	var done atomic.Int64
	var mu sync.Mutex
	parallel.For(len(paths), 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			_, errs[i] = vision.DecodeSource(sources[i])
			n := int(done.Add(1))
			mu.Lock()
			bar.Update(n, "")
			mu.Unlock()
		}
	})
	var bad []badImage
	for i, err := range errs {
		if err != nil {
			bad = append(bad, badImage{paths[i], err})
		}
	}
	return bad, len(paths)
}

// reportBadImages prints up to five unreadable images and counts the rest.
func reportBadImages(w io.Writer, bad []badImage, total int) {
	fmt.Fprintf(w, "\nimages: %d of %d decode; %d unreadable\n", total-len(bad), total, len(bad))
	for i, b := range bad {
		if i == 5 {
			fmt.Fprintf(w, "  … and %d more\n", len(bad)-5)
			break
		}
		fmt.Fprintf(w, "  %v\n", b.err)
	}
}
