package vision

import (
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

// A stem stride of 2 halves the stem's output plane: with the same stage
// strides the encoder still maps [N,3,S,S] to [N,E], and its stem output is
// (S/2)², which the stride-1 stem keeps at S².
func TestBasicResNetStemStride(t *testing.T) {
	for _, stride := range []int{0, 1, 2} {
		c := Config{Type: "basic_resnet", ImageSize: 16, Widths: []int{4, 8}, Layers: []int{1, 1}, Strides: []int{1, 2}, StemStride: stride}
		enc, err := NewEncoder(rand.New(rand.NewPCG(1, 2)), c, 6)
		if err != nil {
			t.Fatal(err)
		}
		r := enc.(*BasicResNet)
		g := autograd.NewTape()
		x := autograd.Zeros(3, 3, 16, 16)
		stem := r.StemConv.Forward(g, x)
		want := 16 / max(stride, 1)
		if got := stem.Shape; got[2] != want || got[3] != want {
			t.Errorf("stem_stride %d: stem output %v, want %dx%d planes", stride, got, want, want)
		}
		if out := enc.Forward(g, x); out.Shape[0] != 3 || out.Shape[1] != 6 {
			t.Errorf("stem_stride %d: output shape %v, want [3 6]", stride, out.Shape)
		}
	}
	bad := Config{Type: "basic_resnet", ImageSize: 16, Widths: []int{4}, Layers: []int{1}, Strides: []int{1}, StemStride: 5}
	if bad.Validate() == nil {
		t.Error("stem_stride 5 accepted")
	}
}
