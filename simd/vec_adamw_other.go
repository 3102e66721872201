//go:build !amd64 || purego

package simd

// No assembly in this build: AdamW runs in Go.
var adamWAVX512 func(p, g, m, v []float32, c AdamWCoef)
