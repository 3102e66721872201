//go:build !unix

package bench

// processCPUSeconds is not measured on this platform (always 0).
func processCPUSeconds() float64 { return 0 }
