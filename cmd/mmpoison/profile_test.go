package main

import (
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// An interrupted command still leaves a complete CPU profile: the test
// re-runs itself as a child that profiles a busy loop, interrupts it, and
// parses what the child wrote.
func TestCPUProfileSurvivesAnInterrupt(t *testing.T) {
	if path := os.Getenv("MMPOISON_TEST_PROFILE_CHILD"); path != "" {
		if _, err := startCPUProfile(path); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("profiling\n")
		for x := 1.0; ; x = x*1.0000001 + 1e-9 { // busy until the signal arrives
			_ = x
		}
	}
	path := filepath.Join(t.TempDir(), "cpu.prof")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCPUProfileSurvivesAnInterrupt$")
	cmd.Env = append(os.Environ(), "MMPOISON_TEST_PROFILE_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Read(make([]byte, 10)); err != nil { // the child is profiling
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("interrupted child: %v, want exit status 130", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A profile is a gzipped protocol buffer: a truncated one fails to inflate.
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("profile of the interrupted run: %v", err)
	}
	n, err := io.Copy(io.Discard, z)
	if err != nil || n == 0 {
		t.Fatalf("profile of the interrupted run: %d bytes inflated, error %v", n, err)
	}
}
