//go:build !amd64 || purego

package simd

// No assembly in this build: vector kernels run in Go.
var vecAVX512 *vecKernels
