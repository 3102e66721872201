//go:build !amd64 || purego

package simd

// No packing kernels in this build: the Go loops of bf16_pack.go run.

var bf16PackAsm = false

func pairRowsAsm(dst []uint32, src []float32, ld, steps, panels, width, pstride, dstride int) bool {
	return false
}

func pairColsAsm(dst []uint32, src []float32, ld, rows, kc, dstride int) bool { return false }
