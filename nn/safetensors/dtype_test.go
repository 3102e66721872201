package safetensors

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// Every dtype of the format reads as the float32 that Python's struct module
// and the spec's bit layouts give (testdata/dtypes.safetensors, made by
// scripts/make_dtype_golden.py): int64 BatchNorm counters, F64, F16, BF16,
// both FP8 formats, every integer width and BOOL.
func TestEveryDtypeReadsAsThePythonReference(t *testing.T) {
	ts, meta, err := Read("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string][]string
	if err := json.Unmarshal([]byte(meta["expected"]), &expected); err != nil {
		t.Fatalf("golden metadata: %v", err)
	}
	if len(ts) != len(expected) || len(ts) < 15 {
		t.Fatalf("%d tensors, %d expected lists", len(ts), len(expected))
	}
	for _, tn := range ts {
		want := expected[tn.Name]
		if len(want) != len(tn.Data) {
			t.Errorf("%s: %d values, want %d", tn.Name, len(tn.Data), len(want))
			continue
		}
		for i, w := range want {
			wv, err := strconv.ParseFloat(w, 64)
			if err != nil {
				t.Fatalf("%s[%d]: golden %q: %v", tn.Name, i, w, err)
			}
			got := tn.Data[i]
			same := math.Float32bits(got) == math.Float32bits(float32(wv)) || (math.IsNaN(wv) && math.IsNaN(float64(got)))
			if !same {
				t.Errorf("%s[%d] = %v, want %v", tn.Name, i, got, wv)
			}
		}
	}
}
