package dataset

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tinyIDX builds an idx3 file by hand: magic 00 00 08 03, dims 2x2x3, data 0..11.
func tinyIDX() []byte {
	b := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3}
	for i := 0; i < 12; i++ {
		b = append(b, byte(i))
	}
	return b
}

func TestReadIDXRawAndGzip(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "x-idx3-ubyte")
	os.WriteFile(raw, tinyIDX(), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(tinyIDX())
	zw.Close()
	gzPath := raw + ".gz"
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	for _, p := range []string{raw, gzPath} {
		m, err := ReadIDX(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m.Dims, []int{2, 2, 3}) || m.Data[11] != 11 || len(m.Data) != 12 {
			t.Errorf("%s: dims %v data %v", p, m.Dims, m.Data)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		data []byte
		want string
	}{
		"truncated":  {tinyIDX()[:20], "truncated: 4 data bytes, want 12"},
		"header":     {tinyIDX()[:10], "truncated header"},
		"magic":      {[]byte{1, 2, 3, 4, 5}, "bad magic"},
		"float":      {[]byte{0, 0, 0x0d, 1, 0, 0, 0, 0}, "only unsigned bytes"},
		"trailing":   {append(tinyIDX(), 9), "1 trailing bytes"},
		"badgzip.gz": {[]byte{0x1f, 0x8b, 1}, "gzip"},
		"zerodims":   {[]byte{0, 0, 8, 3, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0}, "dimension 1 is 0"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, c.data, 0o644)
		_, err := ReadIDX(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming the file and %q", name, err, c.want)
		}
	}
}

func TestFashionMissingFolderHint(t *testing.T) {
	_, err := Fashion(filepath.Join(t.TempDir(), "none"), FashionOptions{})
	if err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("got %v", err)
	}
	if _, err := os.Stat(DefaultFashionDir); err != nil {
		_, err := Load("fashion")
		if err == nil || !strings.Contains(err.Error(), "apt-get install -y dataset-fashion-mnist") {
			t.Errorf("got %v, want the apt-get hint", err)
		}
	}
}

func TestRealFashion(t *testing.T) {
	if _, err := os.Stat(DefaultFashionDir); err != nil {
		t.Skipf("Fashion-MNIST is missing at %s (apt-get install -y dataset-fashion-mnist)", DefaultFashionDir)
	}
	ds, err := Load("fashion:n=3,test=2,size=32,seed=5")
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(ds)
	for _, c := range FashionClasses {
		if st.Split(Train).PerClass[c] != 3 || st.Split(Test).PerClass[c] != 2 {
			t.Errorf("class %s: train %d test %d, want 3/2", c, st.Split(Train).PerClass[c], st.Split(Test).PerClass[c])
		}
	}
	r := ds.Rows[0]
	if r.Pixels.W != 32 || len(r.Captions) != 5 {
		t.Fatalf("row 0: %dpx, %d captions", r.Pixels.W, len(r.Captions))
	}
	for i := 0; i < len(r.Pixels.Pix); i += 3 {
		if r.Pixels.Pix[i] != r.Pixels.Pix[i+1] || r.Pixels.Pix[i] != r.Pixels.Pix[i+2] {
			t.Fatal("grey image must have equal channels")
		}
	}
	again, _ := Load("fashion:n=3,test=2,size=32,seed=5")
	for i := range ds.Rows {
		if !bytes.Equal(ds.Rows[i].Pixels.Pix, again.Rows[i].Pixels.Pix) || ds.Rows[i].Captions[0] != again.Rows[i].Captions[0] {
			t.Fatalf("row %d differs between runs with the same seed", i)
		}
	}
}

// Bilinear upscaling of a constant or a two-level image against hand values.
func TestGreyToRGB(t *testing.T) {
	src := []uint8{0, 100, 0, 100} // 2x2: left column 0, right column 100
	out := greyToRGB(src, 2, 2, 4)
	row := []uint8{out.Pix[0], out.Pix[3], out.Pix[6], out.Pix[9]}
	// Output centres at source x = -0.25, 0.25, 0.75, 1.25 -> 0, 25, 75, 100.
	if !reflect.DeepEqual(row, []uint8{0, 25, 75, 100}) {
		t.Errorf("upscaled row %v, want [0 25 75 100]", row)
	}
	same := greyToRGB(src, 2, 2, 2)
	if same.Pix[0] != 0 || same.Pix[3] != 100 {
		t.Errorf("same-size resize changed pixels: %v", same.Pix)
	}
}

func TestIDXGzipBombIsRefused(t *testing.T) {
	defer func(n int) { maxIDXBytes = n }(maxIDXBytes)
	maxIDXBytes = 1000
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte{0, 0, 8, 1, 0, 0, 0x10, 0})
	zw.Write(make([]byte, 4096))
	zw.Close()
	path := filepath.Join(t.TempDir(), "big-idx1-ubyte.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDX(path)
	if err == nil || !strings.Contains(err.Error(), "more than 1000 bytes") || !strings.Contains(err.Error(), path) {
		t.Fatalf("a stream unpacking past the cap: %v", err)
	}
}
