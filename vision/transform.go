package vision

import (
	"fmt"
	"math"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Resize scales img to w×h with PIL-style antialiased bicubic resampling.
func Resize(img *rgb.Image, w, h int) *rgb.Image {
	if w < 1 || h < 1 {
		panic(fmt.Sprintf("vision.Resize: target size %dx%d must be positive", w, h))
	}
	dst := rgb.New(w, h)
	if w == img.W && h == img.H { // the bicubic weights would be exactly 0/1
		copy(dst.Pix, img.Pix)
		return dst
	}
	resampleRegion(dst, img, 0, 0, img.W, img.H, nil)
	return dst
}

// ResizeShorter scales img so its shorter side is size, keeping the aspect
// ratio; the longer side is truncated as torchvision's Resize(int) does.
func ResizeShorter(img *rgb.Image, size int) *rgb.Image {
	if size < 1 {
		panic(fmt.Sprintf("vision.ResizeShorter: size %d must be positive", size))
	}
	w, h := ShorterSideSize(img.W, img.H, size)
	return Resize(img, w, h)
}

// ShorterSideSize returns the w×h that ResizeShorter produces.
func ShorterSideSize(w, h, size int) (int, int) {
	if w <= h {
		return size, int(float64(size) * float64(h) / float64(w))
	}
	return int(float64(size) * float64(w) / float64(h)), size
}

// Crop copies the w×h region at (x0, y0); parts outside img are black.
func Crop(img *rgb.Image, x0, y0, w, h int) *rgb.Image {
	dst := rgb.New(w, h)
	for y := 0; y < h; y++ {
		sy := y0 + y
		if sy < 0 || sy >= img.H {
			continue
		}
		lo, hi := max(x0, 0), min(x0+w, img.W)
		if lo >= hi {
			continue
		}
		copy(dst.Pix[3*(y*w+lo-x0):], img.Pix[3*(sy*img.W+lo):3*(sy*img.W+hi)])
	}
	return dst
}

// CenterCrop cuts the central size×size square, padding with black when img
// is smaller, with torchvision's offsets (round half to even of the margin/2).
func CenterCrop(img *rgb.Image, size int) *rgb.Image {
	x0, y0 := centerOffset(img.W, size), centerOffset(img.H, size)
	return Crop(img, x0, y0, size, size)
}

// centerOffset is where a crop of length c starts in a side of length n.
func centerOffset(n, c int) int {
	if n >= c {
		return int(math.RoundToEven(float64(n-c) / 2))
	}
	return -((c - n) / 2) // torchvision pads floor(diff/2) before
}
