package simd

import (
	"strings"
	"testing"
)

// Every operation must be served by a kernel of the active level (or a Go
// path where no assembly exists), whatever order the package's files
// registered their hooks in.
func TestKernelsMatchActiveLevel(t *testing.T) {
	if Active() != Best() {
		t.Skipf("level forced to %s", Active())
	}
	for _, k := range Kernels() {
		if strings.Contains(k, "generic") && Active() != Generic {
			t.Errorf("kernel %q chosen although the active level is %s", k, Active())
		}
	}
}
