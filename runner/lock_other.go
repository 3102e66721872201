//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package runner

import "os"

// flock is a no-op where advisory file locks are not wired up: processes
// sharing a run folder then do shared jobs twice, as before locks existed.
func flock(f *os.File, wait bool) error { return nil }
