// Package rgb holds the 8-bit RGB image that data loaders, the synthetic
// generators and the image pipeline share, so that reading a dataset needs
// none of the encoder code.
package rgb

// Image is an 8-bit RGB image stored row-major, interleaved (HWC).
type Image struct {
	W, H int
	Pix  []uint8 // len 3·W·H
}

// New allocates a black w×h image.
func New(w, h int) *Image { return &Image{W: w, H: h, Pix: make([]uint8, 3*w*h)} }
