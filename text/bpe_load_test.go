package text

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadBPEErrorsNameFileAndLine(t *testing.T) {
	cases := []struct{ content, want string }{
		{"", "file is empty"},
		{"t h\ni n\n", "line 1"},
		{"#version: 0.2\nt h\nx y z\n", "line 3"},
		{"#version: 0.2\nt h\n\ni n\n", "line 3"},
		{"#version: 0.2\nonly\n", "line 2"},
	}
	for _, c := range cases {
		path := writeFile(t, "bad.txt", []byte(c.content))
		_, err := LoadBPE(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadBPE(%q) error = %v, want it to name %s and %q", c.content, err, path, c.want)
		}
	}
	if _, err := LoadBPE(filepath.Join(t.TempDir(), "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file error = %v", err)
	}
	// A binary file's "line" can be huge; the message quotes only its start.
	long := writeFile(t, "long.bin", []byte("#v\nab "+strings.Repeat("x y ", 50000)+"\n"))
	if _, err := LoadBPE(long); err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), "200003 bytes") {
		t.Errorf("a 200 KB line: error of %d bytes: %.300v", len(fmt.Sprint(err)), err)
	}
	corrupt := writeFile(t, "corrupt.gz", []byte{0x1f, 0x8b, 1, 2, 3})
	if _, err := LoadBPE(corrupt); err == nil || !strings.Contains(err.Error(), "corrupt.gz") {
		t.Errorf("corrupt gzip error = %v", err)
	}
}

func TestLoadBPEGzipAndMergeCap(t *testing.T) {
	plain, err := os.ReadFile(tinyMerges)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write(plain)
	gz.Close()
	// The name says nothing about compression: detection is by magic bytes.
	fromGzip, err := LoadBPE(writeFile(t, "merges.bin", buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fromGzip.merges, loadTiny(t).merges) {
		t.Fatal("gzip and plain merges differ")
	}
	capped, err := LoadBPEMerges(tinyMerges, 2)
	if err != nil {
		t.Fatal(err)
	}
	if capped.NumMerges() != 2 || capped.VocabSize() != 516 || capped.EOT() != 515 {
		t.Fatalf("capped: %d merges vocab %d eot %d", capped.NumMerges(), capped.VocabSize(), capped.EOT())
	}
	if got := capped.Encode("the"); !slices.Equal(got, []int{513}) {
		t.Fatalf("capped Encode(the) = %v", got)
	}
	all, err := LoadBPEMerges(tinyMerges, 0)
	if err != nil || all.NumMerges() != 27 {
		t.Fatalf("LoadBPEMerges(0) = %v merges, %v", all.NumMerges(), err)
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok := loadTiny(t)
	want := tok.Encode("the cat's photo star")
	done := make(chan []int)
	for g := 0; g < 4; g++ {
		go func() {
			var last []int
			for i := 0; i < 200; i++ {
				last = tok.Encode("the cat's photo star")
			}
			done <- last
		}()
	}
	for g := 0; g < 4; g++ {
		if got := <-done; !slices.Equal(got, want) {
			t.Fatalf("concurrent Encode = %v, want %v", got, want)
		}
	}
}
