package vision

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/vision/rgb"
)

// cacheFixture writes three PNG files and returns sources mixing them with
// in-memory images, plus the decoded originals each slot should come from.
func cacheFixture(t *testing.T, dir string) ([]ImageSource, []*rgb.Image) {
	t.Helper()
	var srcs []ImageSource
	var want []*rgb.Image
	for i, dim := range [][2]int{{20, 12}, {9, 15}, {16, 16}} {
		img := randomRGB(dim[0], dim[1], uint64(10+i))
		path := filepath.Join(dir, "img"+string(rune('a'+i))+".png")
		writeFile(t, path, encodePNG(t, rgbToImage(img)))
		srcs = append(srcs, ImageSource{Path: path})
		want = append(want, img)
	}
	mem := randomRGB(11, 7, 99)
	srcs = append(srcs, ImageSource{Pixels: mem})
	want = append(want, mem)
	return srcs, want
}

// rgbToImage wraps RGB as an opaque image.RGBA for encoding.
func rgbToImage(img *rgb.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.W, img.H))
	for i := 0; i < img.W*img.H; i++ {
		copy(out.Pix[4*i:], img.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}

func buildCounting(t *testing.T, path string, srcs []ImageSource, size int, policy MissingPolicy) (*Cache, int, error) {
	t.Helper()
	calls := 0
	c, err := BuildCache(path, srcs, size, policy, func(done, total int) {
		calls++
		if done != calls || total != len(srcs) {
			t.Errorf("progress(%d, %d) on call %d, want (%d, %d)", done, total, calls, calls, len(srcs))
		}
	})
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, calls, err
}

func TestCacheRoundTripAndReuse(t *testing.T) {
	dir := t.TempDir()
	srcs, originals := cacheFixture(t, dir)
	path := filepath.Join(dir, "sub", "cache.bin")
	c, calls, err := buildCounting(t, path, srcs, 8, FailOnBad)
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(srcs) || c.Len() != len(srcs) || c.Size() != 8 || len(c.Skipped()) != 0 {
		t.Fatalf("progress calls %d, Len %d, Size %d, skipped %v", calls, c.Len(), c.Size(), c.Skipped())
	}
	for i, img := range originals {
		sameRGB(t, "slot", c.Image(i), CenterCrop(ResizeShorter(img, 8), 8))
	}
	reopened, err := OpenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	buf := rgb.New(1, 1)
	for i := range originals {
		reopened.ImageInto(buf, i)
		sameRGB(t, "reopened slot", buf, c.Image(i))
	}
	// Same sources and size: the file is reused, nothing decoded.
	if _, calls, err = buildCounting(t, path, srcs, 8, FailOnBad); err != nil || calls != 0 {
		t.Errorf("second build: %d progress calls, err %v; want reuse", calls, err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "sub", "*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestCacheStaleRebuild(t *testing.T) {
	dir := t.TempDir()
	srcs, _ := cacheFixture(t, dir)
	path := filepath.Join(dir, "cache.bin")
	if _, _, err := buildCounting(t, path, srcs, 8, FailOnBad); err != nil {
		t.Fatal(err)
	}
	// A different size rebuilds.
	c, calls, err := buildCounting(t, path, srcs, 6, FailOnBad)
	if err != nil || calls != len(srcs) || c.Size() != 6 {
		t.Fatalf("size change: calls %d err %v", calls, err)
	}
	// A changed in-memory image rebuilds and is seen in its slot.
	changed := slices.Clone(srcs)
	changed[3] = ImageSource{Pixels: constRGB(11, 7, [3]uint8{5, 6, 7})}
	c, calls, err = buildCounting(t, path, changed, 6, FailOnBad)
	if err != nil || calls != len(srcs) {
		t.Fatalf("pixel change: calls %d err %v", calls, err)
	}
	sameRGB(t, "changed slot", c.Image(3), constRGB(6, 6, [3]uint8{5, 6, 7}))
	// A rewritten file (different size on disk) rebuilds.
	writeFile(t, srcs[0].Path, encodePNG(t, rgbToImage(constRGB(30, 30, [3]uint8{1, 2, 3}))))
	c, calls, err = buildCounting(t, path, changed, 6, FailOnBad)
	if err != nil || calls != len(srcs) {
		t.Fatalf("file change: calls %d err %v", calls, err)
	}
	sameRGB(t, "rewritten file slot", c.Image(0), constRGB(6, 6, [3]uint8{1, 2, 3}))
	// A shorter source list rebuilds.
	if c, calls, err = buildCounting(t, path, changed[:2], 6, FailOnBad); err != nil || calls != 2 || c.Len() != 2 {
		t.Fatalf("list change: calls %d err %v", calls, err)
	}
}

func TestCacheTruncatedAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	srcs, _ := cacheFixture(t, dir)
	path := filepath.Join(dir, "cache.bin")
	c, _, err := buildCounting(t, path, srcs, 8, FailOnBad)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"truncated":   data[:len(data)-1],
		"header only": data[:40],
		"corrupt":     append(append([]byte(nil), data[:40]...), append([]byte{data[40] ^ 1}, data[41:]...)...),
		"bad magic":   append([]byte("XXXXXXXX"), data[8:]...),
	}
	for name, b := range bad {
		writeFile(t, path, b)
		_, err := OpenCache(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s cache: error %v, want one naming %s", name, err, path)
		}
		// BuildCache treats it as missing and rebuilds.
		if c, calls, err := buildCounting(t, path, srcs, 8, FailOnBad); err != nil || calls != len(srcs) || c.Len() != len(srcs) {
			t.Errorf("%s cache: rebuild calls %d err %v", name, calls, err)
		}
	}
	if _, err := OpenCache(filepath.Join(dir, "absent.bin")); err == nil || !strings.Contains(err.Error(), "absent.bin") {
		t.Errorf("missing cache: error %v, want the path named", err)
	}
}

func TestCacheBadImagePolicies(t *testing.T) {
	dir := t.TempDir()
	srcs, originals := cacheFixture(t, dir)
	corrupt := filepath.Join(dir, "corrupt.jpg")
	writeFile(t, corrupt, []byte("\xff\xd8\xff garbage"))
	missing := filepath.Join(dir, "missing.png")
	// Bad images at slots 1 and 3; the error must name the lowest one.
	mixed := []ImageSource{srcs[0], {Path: missing}, srcs[1], {Path: corrupt}, srcs[3]}
	path := filepath.Join(dir, "cache.bin")
	_, err := BuildCache(path, mixed, 8, FailOnBad, nil)
	if err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), corrupt) {
		t.Fatalf("fail policy: error %v, want one naming %s only", err, missing)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("fail policy left a cache file (stat err %v)", err)
	}
	c, _, err := buildCounting(t, path, mixed, 8, SkipBad)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Skipped(); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("skipped %v, want [1 3]", got)
	}
	sameRGB(t, "skipped slot", c.Image(1), rgb.New(8, 8))
	sameRGB(t, "slot after a skip", c.Image(2), CenterCrop(ResizeShorter(originals[1], 8), 8))
	sameRGB(t, "in-memory slot", c.Image(4), CenterCrop(ResizeShorter(originals[3], 8), 8))
	// The skip-built cache is reused under skip, but not passed off as
	// complete under the fail policy.
	if _, calls, err := buildCounting(t, path, mixed, 8, SkipBad); err != nil || calls != 0 {
		t.Errorf("skip reuse: calls %d err %v", calls, err)
	}
	if _, err := BuildCache(path, mixed, 8, FailOnBad, nil); err == nil {
		t.Error("fail policy accepted a cache with skipped images")
	}
	// In-memory images with inconsistent buffers are bad images, not panics.
	broken := []ImageSource{{Pixels: &rgb.Image{W: 4, H: 4, Pix: make([]uint8, 5)}}, {}}
	c, err = BuildCache(filepath.Join(dir, "broken.bin"), broken, 4, SkipBad, nil)
	if err != nil || !slices.Equal(c.Skipped(), []int{0, 1}) {
		t.Fatalf("broken sources: err %v", err)
	}
	c.Close()
}

func TestCacheEmptySourceList(t *testing.T) {
	c, err := BuildCache(filepath.Join(t.TempDir(), "empty.bin"), nil, 8, FailOnBad, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Len() != 0 {
		t.Errorf("Len %d, want 0", c.Len())
	}
}
