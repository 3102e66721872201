//go:build !amd64 || purego

package simd

// No AMX kernel in this build.
var bf16KernelAMX *bf16Kernel
