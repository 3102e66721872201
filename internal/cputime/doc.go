// Package cputime reads the CPU time the process has used, for benchmarks
// that report work done alongside wall time.
package cputime

// Usage is the process's CPU time, split between user code and the kernel,
// and its minor page faults (first touches of memory). A step that spends
// time in the kernel is usually faulting memory in.
type Usage struct {
	User, System float64 // seconds, all threads
	MinorFaults  int64
}

// Sub is the use between earlier and u.
func (u Usage) Sub(earlier Usage) Usage {
	return Usage{User: u.User - earlier.User, System: u.System - earlier.System, MinorFaults: u.MinorFaults - earlier.MinorFaults}
}
