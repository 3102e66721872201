package safetensors

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFuzzCorpus keeps the committed seed corpus honest: files named valid_*
// must read cleanly and files named bad_* must be refused.
func TestFuzzCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzRead", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed corpus under testdata/fuzz/FuzzRead (%v)", err)
	}
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		quoted, found := strings.CutPrefix(strings.TrimSpace(string(body)), "go test fuzz v1\n[]byte(")
		if !found || !strings.HasSuffix(quoted, ")") {
			continue // a corpus entry the fuzzer added in another format
		}
		raw, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		_, _, err = ReadBytes(p, []byte(raw))
		switch base := filepath.Base(p); {
		case strings.HasPrefix(base, "valid_") && err != nil:
			t.Errorf("%s: %v", base, err)
		case strings.HasPrefix(base, "bad_") && err == nil:
			t.Errorf("%s: accepted", base)
		}
	}
}
