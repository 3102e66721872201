package main

import (
	"strings"
	"testing"
)

// A test binary carries no VCS stamp, so the version must say it came from
// the checkout (or that it is unknown), never pass a checkout off as the
// binary's own revision.
func TestCodeVersionSaysWhereItCameFrom(t *testing.T) {
	v := codeVersion()
	if v != "unknown" && !strings.HasPrefix(v, "checkout:") {
		t.Errorf("codeVersion() = %q in a test binary (no VCS stamp): want checkout:<describe> or unknown", v)
	}
}
