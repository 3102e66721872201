// Package cputime reads the CPU time the process has used, for benchmarks
// that report work done alongside wall time.
package cputime
