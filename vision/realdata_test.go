package vision

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

const cocoMiniTrain = "../../shared/data/coco-mini/train2017"

// cocoSources lists up to n COCO-mini training JPEGs, skipping the test when
// the shared data folder is absent.
func cocoSources(t testing.TB, n int) []ImageSource {
	paths, _ := filepath.Glob(filepath.Join(cocoMiniTrain, "*.jpg"))
	if len(paths) == 0 {
		t.Skipf("no JPEGs in %s (shared COCO-mini data missing)", cocoMiniTrain)
	}
	srcs := make([]ImageSource, 0, n)
	for _, p := range paths[:min(n, len(paths))] {
		srcs = append(srcs, ImageSource{Path: p})
	}
	return srcs
}

func TestCacheOnRealJPEGs(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 4
	}
	srcs := cocoSources(t, n)
	c, err := BuildCache(filepath.Join(t.TempDir(), "coco.bin"), srcs, 32, FailOnBad, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, s := range srcs {
		img, err := Decode(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		if img.W < 100 || img.H < 100 {
			t.Errorf("%s decoded as %dx%d, implausibly small for COCO", s.Path, img.W, img.H)
		}
		sameRGB(t, filepath.Base(s.Path), c.Image(i), CenterCrop(ResizeShorter(img, 32), 32))
	}
}

func BenchmarkPreprocess224(b *testing.B) {
	src := cocoSources(b, 1)[0]
	img, err := Decode(src.Path)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Preprocess(img, 224)
	}
}

func BenchmarkDecodeJPEG(b *testing.B) {
	src := cocoSources(b, 1)[0]
	st, _ := os.Stat(src.Path)
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := Decode(src.Path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFillBatchAugment(b *testing.B) {
	srcs := make([]ImageSource, 32)
	for i := range srcs {
		srcs[i] = ImageSource{Pixels: randomRGB(224, 224, uint64(i))}
	}
	c, err := BuildCache(filepath.Join(b.TempDir(), "c.bin"), srcs, 224, FailOnBad, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	idx := make([]int, 32)
	for i := range idx {
		idx[i] = i
	}
	dst := make([]float32, 32*3*224*224)
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		if err := FillBatch(dst, c, idx, &PaperAugment, rng); err != nil {
			b.Fatal(err)
		}
	}
}
