package vision

import (
	"fmt"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// CLIP's per-channel pixel statistics (OpenAI CLIP, RGB order, on 0..1 values).
var (
	CLIPMean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	CLIPStd  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// normLUT maps every byte value of each channel to its normalised float,
// so Normalize is a table look-up per sample.
var normLUT = func() (t [3][256]float32) {
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			t[c][v] = (float32(v)/255 - CLIPMean[c]) / CLIPStd[c]
		}
	}
	return t
}()

// Normalize writes img into dst as CHW float32 planes, (v/255 - mean)/std
// with CLIP's statistics. dst must hold at least 3·W·H values.
func Normalize(dst []float32, img *rgb.Image) {
	plane := img.W * img.H
	if len(dst) < 3*plane {
		panic(fmt.Sprintf("vision.Normalize: dst has %d floats, a %dx%d image needs %d", len(dst), img.W, img.H, 3*plane))
	}
	r, g, b := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	for i := 0; i < plane; i++ {
		p := img.Pix[3*i : 3*i+3]
		r[i] = normLUT[0][p[0]]
		g[i] = normLUT[1][p[1]]
		b[i] = normLUT[2][p[2]]
	}
}

// Preprocess is CLIP's test transform: resize the shorter side to size
// (bicubic), centre-crop size×size and normalise to 3·size·size CHW floats.
func Preprocess(img *rgb.Image, size int) []float32 {
	sq := CenterCrop(ResizeShorter(img, size), size)
	out := make([]float32, 3*size*size)
	Normalize(out, sq)
	return out
}
