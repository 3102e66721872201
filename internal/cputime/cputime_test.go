package cputime

import (
	"runtime"
	"testing"
)

func TestSecondsGrowsWithWork(t *testing.T) {
	switch runtime.GOOS {
	case "windows", "plan9", "js", "wasip1":
		t.Skip("CPU time is not measured on " + runtime.GOOS)
	}
	before := Seconds()
	x := 1.0
	for i := 0; i < 100_000_000; i++ { // about 0.1-0.3 s of one core
		x = x*1.0000001 + 1e-9
	}
	if after := Seconds(); after-before < 0.01 {
		t.Errorf("CPU time grew by %.4f s over a busy loop, want at least 0.01 (x=%v)", after-before, x)
	}
}
