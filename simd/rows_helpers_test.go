package simd

import (
	"math/rand/v2"
	"testing"
)

// forEachLevel runs f as a subtest at every level this CPU and build support,
// restoring the active level afterwards.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	old := Active()
	defer SetLevel(old)
	for l := Generic; l <= AMX; l++ {
		if !Supported(l) {
			continue
		}
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		t.Run("level="+l.String(), f)
	}
}

// uniform returns n values drawn uniformly from [lo, hi).
func uniform(rng *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + (hi-lo)*rng.Float32()
	}
	return s
}

// testLengths are the vector lengths every row and vector kernel is tried on:
// empty, shorter than one vector, around one and two 16-lane vectors, long.
var testLengths = []int{0, 1, 7, 15, 16, 17, 63, 65, 1000}
