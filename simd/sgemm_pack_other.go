//go:build !amd64 || purego

package simd

// packTransposedAsm has no assembly kernel in this build; the caller's Go loop runs.
func packTransposedAsm(dst, src []float32, ld, rows, kc, stride int) bool { return false }

// copyPanelsAsm has no assembly kernel in this build; the caller's Go loop runs.
func copyPanelsAsm(dst, src []float32, ld, kc, panels, nr int) bool { return false }
