package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseClassSpecs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	list := write("list.json", `[{"name": "dog", "keywords": ["dog", "puppy"]}]`)
	byName := write("map.json", `{"sea": ["sea", "ocean"], "cat": ["cat"]}`)
	specs, err := ParseClassSpecs(list)
	if err != nil || len(specs) != 1 || specs[0].Name != "dog" || len(specs[0].Keywords) != 2 {
		t.Errorf("list form: %+v, %v", specs, err)
	}
	specs, err = ParseClassSpecs(byName)
	if err != nil || len(specs) != 2 || specs[0].Name != "cat" || specs[1].Keywords[1] != "ocean" {
		t.Errorf("map form (sorted by name): %+v, %v", specs, err)
	}
	if specs, err := ParseClassSpecs("flickr"); err != nil || len(specs) != len(DefaultFlickrClasses()) {
		t.Errorf("flickr: %d classes, %v", len(specs), err)
	}
	if specs, err := ParseClassSpecs(""); err != nil || specs != nil {
		t.Errorf(`"": %v, %v`, specs, err)
	}
	for body, want := range map[string]string{`[]`: "no classes", `[{"name": "x"}]`: "at least one keyword", `{"a": 1}`: "want"} {
		if _, err := ParseClassSpecs(write("bad.json", body)); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("%s: error %v should name the file and say %q", body, err, want)
		}
	}
}
