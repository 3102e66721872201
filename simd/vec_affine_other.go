//go:build !amd64 || purego

package simd

// No assembly in this build: the batch-norm and ReLU kernels run in Go.
var affineAVX512 *affineKernels
