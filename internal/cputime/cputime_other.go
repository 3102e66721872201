//go:build !unix

package cputime

// Seconds is not measured on this platform (always 0).
func Seconds() float64 { return 0 }

// Now is not measured on this platform (always zero).
func Now() Usage { return Usage{} }
