package dataset

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary file contents to each reader. None may
// panic, and whatever a reader accepts must be a well-formed Dataset.
// CI runs each briefly (.ci/fuzz); run one longer with, e.g.,
//
//	go test -run '^$' -fuzz '^FuzzCSV$' -fuzztime 10m -fuzzminimizetime 10s ./dataset

var keepMissing = Options{Missing: KeepMissing}

// writeFiles writes name → content under a fresh folder, creating subfolders.
func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkWellFormed asserts what every accepted dataset must satisfy.
func checkWellFormed(t *testing.T, ds *Dataset) {
	t.Helper()
	for i, r := range ds.Rows {
		if r.ID != i {
			t.Fatalf("row %d has ID %d", i, r.ID)
		}
		for _, c := range r.Captions {
			if strings.TrimSpace(c) == "" {
				t.Fatalf("row %d holds a blank caption", i)
			}
		}
		if r.Pixels == nil && r.Image == "" {
			t.Fatalf("row %d has neither an image path nor pixels", i)
		}
	}
	if err := Inspect(ds, io.Discard); err != nil {
		t.Fatalf("Inspect of an accepted dataset: %v", err)
	}
}

func fuzzSeedFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzCSV(f *testing.F) {
	fuzzSeedFiles(f, "testdata/clip.csv", "testdata/clip.tsv", "testdata/badquote.csv", "testdata/missing.csv")
	f.Add([]byte("\ufeffimage,caption,split,label\na.jpg,a dog,train,dog\na.jpg,\"a, dog\",test,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, name := range []string{"d.csv", "d.tsv"} {
			dir := writeFiles(t, map[string][]byte{name: b})
			if ds, err := LoadWith("csv:"+filepath.Join(dir, name), keepMissing); err == nil {
				checkWellFormed(t, ds)
			}
		}
	})
}

func FuzzCOCO(f *testing.F) {
	caps, err := os.ReadFile("testdata/coco/annotations/captions_train2017.json")
	if err != nil {
		f.Fatal(err)
	}
	inst, err := os.ReadFile("testdata/coco/annotations/instances_train2017.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(caps, inst)
	f.Add(caps, []byte("null"))
	f.Add([]byte(`{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "caption": " "}]}`), []byte{})
	f.Fuzz(func(t *testing.T, caps, inst []byte) {
		files := map[string][]byte{"annotations/captions_train2017.json": caps}
		if len(inst) > 0 {
			files["annotations/instances_train2017.json"] = inst
		}
		if ds, err := LoadWith("coco:"+writeFiles(t, files), keepMissing); err == nil {
			checkWellFormed(t, ds)
		}
	})
}

func FuzzKarpathy(f *testing.F) {
	fuzzSeedFiles(f, "testdata/karpathy.json", "testdata/albef.json", "testdata/karpathybad.json", "testdata/karpathynoimage.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := writeFiles(t, map[string][]byte{"k.json": b})
		if ds, err := LoadWith("karpathy:"+filepath.Join(dir, "k.json"), keepMissing); err == nil {
			checkWellFormed(t, ds)
		}
	})
}

func FuzzFlickr(f *testing.F) {
	tokens, err := os.ReadFile("testdata/flickr/Flickr8k.token.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tokens, []byte("p1.jpg\n"), []byte("p2.jpg\n"))
	f.Add([]byte("#0\tcaption\n"), []byte{}, []byte{})
	f.Add(tokens, []byte("p1.jpg\n"), []byte("p1.jpg\n"))
	f.Fuzz(func(t *testing.T, tokens, train, test []byte) {
		dir := writeFiles(t, map[string][]byte{"Flickr8k.token.txt": tokens,
			"Flickr_8k.trainImages.txt": train, "Flickr_8k.testImages.txt": test})
		if ds, err := LoadWith("flickr8k:"+dir, keepMissing); err == nil {
			checkWellFormed(t, ds)
		}
	})
}

func FuzzPascal(f *testing.F) {
	f.Add("cat", "2008_000001", []byte("a cat sleeps\na grey cat\n"))
	f.Add("dog", "x", []byte("\n\n"))
	f.Add("aeroplane", "a.b", []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, class, id string, captions []byte) {
		for _, s := range []string{class, id} { // path components only
			if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") || len(s) > 100 {
				return
			}
		}
		dir := writeFiles(t, map[string][]byte{filepath.Join("sentence", class, id+".txt"): captions})
		if ds, err := LoadWith("pascal:"+dir, keepMissing); err == nil {
			checkWellFormed(t, ds)
		}
	})
}

// FuzzFashion fuzzes the IDX reader through the Fashion-MNIST loader, which
// trusts the shapes it reads: the images and labels files of both parts.
func FuzzFashion(f *testing.F) {
	images := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8}
	labels := []byte{0, 0, 8, 1, 0, 0, 0, 2, 3, 9}
	f.Add(images, labels)
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0}, labels) // dims [40 0 0]
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, labels)
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		files := map[string][]byte{}
		for _, part := range []string{"train", "t10k"} {
			files[part+"-images-idx3-ubyte"] = images
			files[part+"-labels-idx1-ubyte"] = labels
		}
		if ds, err := Fashion(writeFiles(t, files), FashionOptions{Size: 8, TrainPerClass: 2, TestPerClass: 2}); err == nil {
			checkWellFormed(t, ds)
		}
	})
}

// FuzzWebDataset feeds arbitrary bytes to the webdataset reader as a shard.
func FuzzWebDataset(f *testing.F) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range [][2]string{{"a/1.jpg", "jpeg bytes"}, {"a/1.txt", "a dog\na puppy\n"}, {"a/2.png", "png"}, {"a/2.json", `{"caption": "a cat", "split": "test"}`}} {
		tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(m[1]))
	}
	tw.Close()
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:700])
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := writeFiles(t, map[string][]byte{"s.tar": data})
		if ds, err := LoadWith("wds:"+filepath.Join(dir, "s.tar"), keepMissing); err == nil {
			checkWellFormed(t, ds)
			for _, r := range ds.Rows {
				if m := r.Member; m != nil && (m.Offset < 0 || m.Size < 0 || m.Offset+m.Size > int64(len(data))) {
					t.Fatalf("member %+v lies outside the %d-byte shard", m, len(data))
				}
			}
		}
	})
}
