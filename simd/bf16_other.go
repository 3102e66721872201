//go:build !amd64 || purego

package simd

// No assembly in this build: GemmBF16 uses the fp32 fallback.
var bf16KernelAVX512 *bf16Kernel
