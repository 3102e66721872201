package vision

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodePNGWithAlphaOnWhite(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	src.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 255})
	src.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 128})
	src.SetNRGBA(2, 0, color.NRGBA{10, 20, 30, 0})
	src.SetNRGBA(0, 1, color.NRGBA{0, 0, 0, 255})
	path := filepath.Join(t.TempDir(), "a.png")
	writeFile(t, path, encodePNG(t, src))
	img, err := Decode(path)
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 3 || img.H != 2 {
		t.Fatalf("size %dx%d, want 3x2", img.W, img.H)
	}
	over := func(v, a float64) uint8 { return uint8(math.Round(v*a/255 + 255*(1-a/255))) }
	want := map[[2]int][3]uint8{
		{0, 0}: {200, 100, 50},
		{1, 0}: {over(200, 128), over(100, 128), over(50, 128)},
		{2, 0}: {255, 255, 255}, // fully transparent: the background
		{0, 1}: {0, 0, 0},
	}
	for xy, w := range want {
		got := at(img, xy[0], xy[1])
		for c := range 3 {
			if d := int(got[c]) - int(w[c]); d < -1 || d > 1 {
				t.Errorf("pixel %v = %v, want %v (±1)", xy, got, w)
				break
			}
		}
	}
}

func TestDecodeGreyAndPalettedPNG(t *testing.T) {
	dir := t.TempDir()
	grey := image.NewGray(image.Rect(0, 0, 2, 1))
	grey.Pix[0], grey.Pix[1] = 17, 240
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{250, 128, 0, 255}})
	pal.Pix[0], pal.Pix[1] = 1, 0
	cases := []struct {
		name string
		img  image.Image
		want [2][3]uint8
	}{
		{"grey.png", grey, [2][3]uint8{{17, 17, 17}, {240, 240, 240}}},
		{"pal.png", pal, [2][3]uint8{{250, 128, 0}, {1, 2, 3}}},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		writeFile(t, path, encodePNG(t, c.img))
		img, err := Decode(path)
		if err != nil {
			t.Fatal(err)
		}
		if at(img, 0, 0) != c.want[0] || at(img, 1, 0) != c.want[1] {
			t.Errorf("%s: pixels %v %v, want %v", c.name, at(img, 0, 0), at(img, 1, 0), c.want)
		}
	}
}

func TestDecodeJPEGFlatColour(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 30, 160, 220, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flat.jpg")
	writeFile(t, path, b.Bytes())
	img, err := Decode(path)
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 16 || img.H != 16 {
		t.Fatalf("size %dx%d, want 16x16", img.W, img.H)
	}
	want := [3]int{30, 160, 220}
	for i := 0; i < 16*16; i++ {
		for c := range 3 {
			if d := int(img.Pix[3*i+c]) - want[c]; d < -4 || d > 4 {
				t.Fatalf("pixel %d channel %d = %d, want %d±4 (JPEG loss)", i, c, img.Pix[3*i+c], want[c])
			}
		}
	}
}

func TestToRGBCMYKAndSubImage(t *testing.T) {
	cm := image.NewCMYK(image.Rect(0, 0, 2, 1))
	cm.SetCMYK(0, 0, color.CMYK{0, 255, 255, 0}) // red
	cm.SetCMYK(1, 0, color.CMYK{0, 0, 0, 255})   // black
	img := ToRGB(cm)
	if at(img, 0, 0) != [3]uint8{255, 0, 0} || at(img, 1, 0) != [3]uint8{0, 0, 0} {
		t.Errorf("CMYK pixels %v %v, want red and black", at(img, 0, 0), at(img, 1, 0))
	}
	// A sub-image with a non-zero origin must be read from its own bounds.
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	sub := ToRGB(g.SubImage(image.Rect(1, 2, 3, 4)))
	if sub.W != 2 || sub.H != 2 || at(sub, 0, 0)[0] != 9 || at(sub, 1, 1)[0] != 14 {
		t.Errorf("sub-image: %dx%d %v %v, want 2x2 with 9 and 14", sub.W, sub.H, at(sub, 0, 0), at(sub, 1, 1))
	}
}

func TestDecodeErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	good := encodePNG(t, image.NewGray(image.Rect(0, 0, 8, 8)))
	garbage := filepath.Join(dir, "garbage.png")
	writeFile(t, garbage, []byte("this is not an image at all"))
	truncated := filepath.Join(dir, "truncated.png")
	writeFile(t, truncated, good[:len(good)/2])
	huge := filepath.Join(dir, "huge.png")
	writeFile(t, huge, pngWithClaimedSize(t, good, 100000, 100000))
	missing := filepath.Join(dir, "missing.jpg")
	for _, p := range []string{garbage, truncated, huge, missing} {
		_, err := Decode(p)
		if err == nil {
			t.Errorf("Decode(%s) succeeded, want an error", filepath.Base(p))
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name the path %s", err, p)
		}
	}
	if _, err := Decode(huge); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized header: error %v, want the pixel limit named", err)
	}
}

// pngWithClaimedSize rewrites a PNG's IHDR size (and its CRC) so the header
// claims w×h while the data stays small.
func pngWithClaimedSize(t *testing.T, data []byte, w, h uint32) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	const ihdr = 8 // after the signature: length(4) "IHDR"(4) data(13) crc(4)
	if string(out[ihdr+4:ihdr+8]) != "IHDR" {
		t.Fatal("unexpected PNG layout")
	}
	binary.BigEndian.PutUint32(out[ihdr+8:], w)
	binary.BigEndian.PutUint32(out[ihdr+12:], h)
	binary.BigEndian.PutUint32(out[ihdr+21:], crc32.ChecksumIEEE(out[ihdr+4:ihdr+21]))
	return out
}
