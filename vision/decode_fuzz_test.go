package vision

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCacheImage feeds arbitrary bytes, as an image file, to the cache
// builder's decode-and-resize path: it must fail cleanly or give a
// size×size RGB image, never panic or allocate what a header claims.
func FuzzCacheImage(f *testing.F) {
	src := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
	}
	var p, j bytes.Buffer
	png.Encode(&p, src)
	jpeg.Encode(&j, src, nil)
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	g.Set(1, 1, color.Gray{200})
	var pg bytes.Buffer
	png.Encode(&pg, g)
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(pg.Bytes())
	f.Add(j.Bytes()[:j.Len()/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "x.img")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		const size = 8
		img, err := cacheImage(ImageSource{Path: path}, size)
		if err != nil {
			return
		}
		if img.W != size || img.H != size || len(img.Pix) != 3*size*size {
			t.Fatalf("accepted image came out %dx%d with %d bytes, want %dx%d", img.W, img.H, len(img.Pix), size, size)
		}
	})
}
