package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
)

// startCPUProfile writes a CPU profile of the command to path (set
// MMPOISON_CPUPROFILE=path); inspect it with `go tool pprof`. A long run
// is usually profiled for a while and then interrupted, so an interrupt
// or termination also completes the profile before the process exits.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	var once sync.Once
	finish := func() { once.Do(func() { pprof.StopCPUProfile(); f.Close() }) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s, ok := <-sig
		if !ok {
			return
		}
		finish()
		fmt.Fprintf(os.Stderr, "mmpoison: %v: cpu profile written to %s\n", s, path)
		os.Exit(130)
	}()
	return func() { signal.Stop(sig); close(sig); finish() }, nil
}
