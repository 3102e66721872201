// Package vision decodes and preprocesses images and holds the image encoders.
package vision

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	_ "golang.org/x/image/bmp" // cheap extra formats seen in scraped datasets
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// MaxPixels bounds the size of an image Decode accepts, so a corrupt or
// hostile header cannot make it allocate gigabytes.
const MaxPixels = 1 << 27

// Decode reads a JPEG, PNG, GIF, BMP, TIFF or WebP file and converts it to RGB.
// Transparent pixels are composited on white (see ToRGB). Errors name the path.
func Decode(path string) (*rgb.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	defer f.Close()
	img, err := DecodeReader(f)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return img, nil
}

// DecodeReader decodes an image stream in any registered format to RGB.
func DecodeReader(r io.Reader) (*rgb.Image, error) {
	br := bufio.NewReader(r)
	// Peek at the header first: rejecting absurd sizes before decoding keeps a
	// corrupt file from allocating the memory its header claims.
	// A config that fails to parse from the peeked prefix (e.g. a TIFF whose
	// directory sits at the end) is left for the full decode to judge.
	head, _ := br.Peek(64 << 10)
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(head)); err == nil {
		if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			return nil, fmt.Errorf("%s image %dx%d is larger than the %d-pixel limit", format, cfg.Width, cfg.Height, MaxPixels)
		}
	}
	img, format, err := image.Decode(br)
	if err != nil {
		return nil, fmt.Errorf("corrupt or unsupported image: %w", err)
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%s image is empty", format)
	}
	if int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return nil, fmt.Errorf("%s image %dx%d is larger than the %d-pixel limit", format, b.Dx(), b.Dy(), MaxPixels)
	}
	return ToRGB(img), nil
}

// ToRGB converts any image.Image to RGB. Grey, paletted, CMYK and YCbCr
// images map through their colour models; alpha is composited on a white
// background (transparent line art and logos stay visible, unlike on black).
// Note PIL's convert("RGB"), used by OpenAI's CLIP, instead drops alpha.
func ToRGB(src image.Image) *rgb.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := rgb.New(w, h)
	switch s := src.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := s.COffset(b.Min.X+x, b.Min.Y+y)
				row[3*x], row[3*x+1], row[3*x+2] = color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			srow := s.Pix[y*s.Stride:]
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				g := srow[x]
				row[3*x], row[3*x+1], row[3*x+2] = g, g, g
			}
		}
	case *image.RGBA: // premultiplied: add the white background's share directly
		for y := 0; y < h; y++ {
			srow := s.Pix[y*s.Stride:]
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				p := srow[4*x : 4*x+4]
				bg := 255 - p[3]
				row[3*x], row[3*x+1], row[3*x+2] = sat8(int(p[0])+int(bg)), sat8(int(p[1])+int(bg)), sat8(int(p[2])+int(bg))
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			srow := s.Pix[y*s.Stride:]
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				p := srow[4*x : 4*x+4]
				a := int(p[3])
				row[3*x], row[3*x+1], row[3*x+2] = overWhite(p[0], a), overWhite(p[1], a), overWhite(p[2], a)
			}
		}
	case *image.Paletted:
		lut := make([][3]uint8, len(s.Palette))
		for i, c := range s.Palette {
			lut[i] = colorOverWhite(c)
		}
		for y := 0; y < h; y++ {
			srow := s.Pix[y*s.Stride:]
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				var c [3]uint8 // out-of-palette index (corrupt GIF): black
				if int(srow[x]) < len(lut) {
					c = lut[srow[x]]
				}
				row[3*x], row[3*x+1], row[3*x+2] = c[0], c[1], c[2]
			}
		}
	default: // CMYK, 16-bit, grey16, ... through the generic colour interface
		for y := 0; y < h; y++ {
			row := dst.Pix[3*y*w:]
			for x := 0; x < w; x++ {
				c := colorOverWhite(src.At(b.Min.X+x, b.Min.Y+y))
				row[3*x], row[3*x+1], row[3*x+2] = c[0], c[1], c[2]
			}
		}
	}
	return dst
}

// overWhite composites a non-premultiplied 8-bit channel with alpha a on white.
func overWhite(v uint8, a int) uint8 {
	return uint8((int(v)*a + 255*(255-a) + 127) / 255)
}

// colorOverWhite composites any colour on white using its 16-bit premultiplied form.
func colorOverWhite(c color.Color) [3]uint8 {
	r, g, b, a := c.RGBA()
	bg := 0xffff - a
	return [3]uint8{uint8((r + bg) >> 8), uint8((g + bg) >> 8), uint8((b + bg) >> 8)}
}

func sat8(v int) uint8 {
	if v > 255 {
		return 255
	}
	return uint8(v)
}
