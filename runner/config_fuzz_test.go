package runner

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseConfig: arbitrary bytes as an experiment config never panic, and
// an accepted config expands to jobs with distinct names and valid settings.
func FuzzParseConfig(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "configs", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed configs in ../configs: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"clean": {"epochs": 1, "batch_size": 0}, "attacks": [{"kind": "I", "goals": ["a2b"], "target": {"mode": "row", "row_id": -1}}], "poison": {"epochs": 1}, "ratios": [1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig("fuzz.json", b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, j := range c.Jobs() {
			if seen[j.Name] {
				t.Fatalf("accepted config has job %s twice", j.Name)
			}
			seen[j.Name] = true
			if !(j.Ratio > 0 && j.Ratio <= 1) {
				t.Fatalf("job %s has ratio %v", j.Name, j.Ratio)
			}
		}
		if c.CleanCheckpoint == "" {
			if err := c.Clean.Validate(); err != nil {
				t.Fatalf("accepted config has bad clean settings: %v", err)
			}
		}
	})
}
