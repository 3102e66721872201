package hugepages

import (
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestFloatsIsAZeroedBufferOfTheLengthAsked(t *testing.T) {
	for _, n := range []int{0, 1, Threshold - 1, Threshold, Threshold + 12345} {
		buf := Floats(n)
		if len(buf) != n {
			t.Fatalf("Floats(%d) has length %d", n, len(buf))
		}
		for i, v := range buf {
			if v != 0 {
				t.Fatalf("Floats(%d)[%d] = %v, want 0", n, i, v)
			}
		}
	}
}

// On Linux with transparent huge pages on "madvise" (or "always"), writing
// an advised buffer must map huge pages: the process's AnonHugePages grows.
func TestLargeBuffersGetHugePagesOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge pages are advised on Linux only")
	}
	if raceEnabled {
		t.Skip("under the race detector fresh memory is touched before it can be advised")
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("this kernel has transparent huge pages off (%q, %v)", strings.TrimSpace(string(mode)), err)
	}
	before := anonHugeKiB(t)
	buf := Floats(16 * pageFloats) // 32 MiB: at least 15 aligned huge pages
	for i := range buf {
		buf[i] = 1
	}
	grown := anonHugeKiB(t) - before
	runtime.KeepAlive(buf)
	if grown < 2048 {
		t.Errorf("writing a 32 MiB advised buffer grew AnonHugePages by %d KiB, want at least one 2 MiB page (THP mode %q)", grown, strings.TrimSpace(string(mode)))
	}
}

var anonHuge = regexp.MustCompile(`(?m)^AnonHugePages:\s+(\d+) kB`)

func anonHugeKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no /proc/self/smaps_rollup: %v", err)
	}
	m := anonHuge.FindSubmatch(b)
	if m == nil {
		t.Skip("smaps_rollup has no AnonHugePages line")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
