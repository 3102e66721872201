//go:build !amd64 || purego

package simd

// No assembly in this build: dispatch falls back to the pure-Go kernel.
var (
	sgemmKernelAVX512 *gemmKernel
	sgemmKernelAVX2   *gemmKernel
)
