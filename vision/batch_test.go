package vision

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

func batchCache(t *testing.T) *Cache {
	t.Helper()
	var srcs []ImageSource
	for i := range 5 {
		srcs = append(srcs, ImageSource{Pixels: randomRGB(14+i, 12, uint64(i))})
	}
	c, err := BuildCache(filepath.Join(t.TempDir(), "c.bin"), srcs, 10, FailOnBad, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFillBatchPlain(t *testing.T) {
	c := batchCache(t)
	idx := []int{3, 0, 3}
	per := 3 * 10 * 10
	dst := make([]float32, len(idx)*per)
	if err := FillBatch(dst, c, idx, nil, nil); err != nil {
		t.Fatal(err)
	}
	for k, i := range idx {
		want := make([]float32, per)
		Normalize(want, c.Image(i))
		if !slices.Equal(dst[k*per:(k+1)*per], want) {
			t.Errorf("batch item %d (image %d) differs from Normalize(Image)", k, i)
		}
	}
}

func TestFillBatchAugmentDeterministic(t *testing.T) {
	c := batchCache(t)
	idx := []int{4, 1, 2, 0, 1}
	per := 3 * 10 * 10
	// Serial reference: per-image seeds drawn in order, then RRC + Normalize.
	rng := rand.New(rand.NewPCG(42, 1))
	want := make([]float32, len(idx)*per)
	for k, i := range idx {
		s1, s2 := rng.Uint64(), rng.Uint64()
		crop := RandomResizedCrop(c.Image(i), 10, TrainScaleLo, TrainScaleHi, rand.New(rand.NewPCG(s1, s2)))
		Normalize(want[k*per:], crop)
	}
	for _, threads := range []int{1, 2, 3} {
		old := parallel.SetThreads(threads)
		got := make([]float32, len(idx)*per)
		err := FillBatch(got, c, idx, &PaperAugment, rand.New(rand.NewPCG(42, 1)))
		parallel.SetThreads(old)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d threads: augmented batch differs from the serial reference", threads)
		}
	}
	// Batch item 4 repeats image 1 with its own seed: a different crop.
	if slices.Equal(want[per:2*per], want[4*per:5*per]) {
		t.Error("two draws of image 1 gave identical crops")
	}
}

func TestFillBatchRejectsBadArguments(t *testing.T) {
	c := batchCache(t)
	if err := FillBatch(make([]float32, 10), c, []int{0}, nil, nil); err == nil {
		t.Error("short dst accepted")
	}
	if err := FillBatch(make([]float32, 300), c, []int{5}, nil, nil); err == nil {
		t.Error("out-of-range index accepted")
	}
	if err := FillBatch(make([]float32, 300), c, []int{0}, &PaperAugment, nil); err == nil {
		t.Error("augment with nil rng accepted")
	}
}

// FillBatchAt writes other sizes: the whole square resized without an
// augmentation, the random resized crop resampled to the size with one.
func TestFillBatchAtOtherSizes(t *testing.T) {
	c := batchCache(t)
	idx := []int{2, 4}
	for _, size := range []int{6, 10, 13} {
		per := 3 * size * size
		got := make([]float32, len(idx)*per)
		if err := FillBatchAt(got, c, idx, size, nil, nil); err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(idx)*per)
		for k, i := range idx {
			Normalize(want[k*per:], Resize(c.Image(i), size, size))
		}
		if !slices.Equal(got, want) {
			t.Errorf("size %d, no augmentation: differs from Normalize(Resize(Image))", size)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for k, i := range idx {
			s1, s2 := rng.Uint64(), rng.Uint64()
			Normalize(want[k*per:], RandomResizedCrop(c.Image(i), size, 0.5, 1, rand.New(rand.NewPCG(s1, s2))))
		}
		if err := FillBatchAt(got, c, idx, size, &Augment{ScaleLo: 0.5, ScaleHi: 1}, rand.New(rand.NewPCG(5, 6))); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("size %d, random resized crop: differs from the serial reference", size)
		}
	}
	if err := FillBatchAt(make([]float32, 300), c, []int{0}, 0, nil, nil); err == nil {
		t.Error("size 0 accepted")
	}
}
