package vision

import (
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// coordRGB encodes each pixel's position: R = x, G = y, B = 7.
func coordRGB(w, h int) *rgb.Image {
	img := rgb.New(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(img.Pix[3*(y*w+x):], []uint8{uint8(x), uint8(y), 7})
		}
	}
	return img
}

func TestResizeShorterSizes(t *testing.T) {
	cases := []struct{ w, h, size, ww, wh int }{
		{300, 200, 224, 336, 224},
		{200, 301, 100, 100, 150}, // 150.5 truncates like torchvision
		{50, 50, 7, 7, 7},
		{640, 427, 224, 335, 224}, // 335.7 truncates
	}
	for _, c := range cases {
		got := ResizeShorter(rgb.New(c.w, c.h), c.size)
		if got.W != c.ww || got.H != c.wh {
			t.Errorf("ResizeShorter(%dx%d, %d) = %dx%d, want %dx%d", c.w, c.h, c.size, got.W, got.H, c.ww, c.wh)
		}
	}
}

func TestCenterCropOffsets(t *testing.T) {
	// 10x7 → 5: x margin 5/2 = 2.5 rounds to even 2; y margin 2/2 = 1.
	crop := CenterCrop(coordRGB(10, 7), 5)
	if crop.W != 5 || crop.H != 5 || at(crop, 0, 0) != [3]uint8{2, 1, 7} || at(crop, 4, 4) != [3]uint8{6, 5, 7} {
		t.Errorf("10x7→5: corners %v %v, want (2,1) and (6,5)", at(crop, 0, 0), at(crop, 4, 4))
	}
	// 9 wide, margin 3/2 = 1.5 rounds to even 2.
	if c := CenterCrop(coordRGB(9, 6), 6); at(c, 0, 0) != [3]uint8{2, 0, 7} {
		t.Errorf("9x6→6: corner %v, want (2,0)", at(c, 0, 0))
	}
	// Smaller than the crop: padded with black, floor(diff/2) before.
	pad := CenterCrop(coordRGB(3, 3), 6)
	if at(pad, 0, 0) != [3]uint8{} || at(pad, 1, 1) != [3]uint8{0, 0, 7} || at(pad, 3, 3) != [3]uint8{2, 2, 7} || at(pad, 4, 4) != [3]uint8{} {
		t.Errorf("3x3→6 padding wrong: %v %v %v %v", at(pad, 0, 0), at(pad, 1, 1), at(pad, 3, 3), at(pad, 4, 4))
	}
}
