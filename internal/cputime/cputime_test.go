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

func TestNowCountsFirstTouchesAsFaults(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "freebsd", "darwin":
	default:
		t.Skip("page faults are not counted on " + runtime.GOOS)
	}
	before := Now()
	buf := make([]byte, 64<<20) // fresh from the OS: each page (4 KiB, or 2 MiB under THP) faults on first write
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	d := Now().Sub(before)
	if d.MinorFaults < 16 {
		t.Errorf("touching 64 MiB of fresh memory counted %d minor faults, want at least 16 (%d bytes set)", d.MinorFaults, countSet(buf))
	}
	if d.User < 0 || d.System < 0 {
		t.Errorf("CPU time went backwards: %+v", d)
	}
}

func countSet(b []byte) (n int) {
	for _, v := range b {
		n += int(v)
	}
	return n
}
