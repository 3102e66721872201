// Package vision decodes and preprocesses images and holds the image encoders.
package vision

// RGB is an 8-bit RGB image stored row-major, interleaved (HWC).
type RGB struct {
	W, H int
	Pix  []uint8 // len 3·W·H
}

// NewRGB allocates a black w×h image.
func NewRGB(w, h int) *RGB { return &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)} }
