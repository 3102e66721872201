//go:build !amd64 || purego

package simd

// No assembly in this build: row kernels run in Go.
var rowsAVX512 *rowKernels
