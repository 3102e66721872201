//go:build unix

package cputime

import "syscall"

// Seconds is the user+system CPU time this process has used. On a shared
// machine it measures a benchmark's work better than wall time, which also
// counts time spent waiting for other processes.
func Seconds() float64 {
	u := Now()
	return u.User + u.System
}

// Now is the process's resource use so far.
func Now() Usage {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return Usage{}
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return Usage{User: tv(ru.Utime), System: tv(ru.Stime), MinorFaults: int64(ru.Minflt)}
}
