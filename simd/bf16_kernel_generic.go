package simd

import "math"

// bf16KernelGo is the pure-Go pair kernel: the reference for the assembly
// kernels' packing and tile contract (tests drive the blocked driver with it).
var bf16KernelGo = &bf16Kernel{
	name: "go-bf16-4x8", mr: 4, nr: 8, kc: 256, nb: 256, mc: 512, nc: 1024,
	tile: bf16TileGo(4, 8),
}

func bf16TileGo(mr, nr int) func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
	return func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32) {
		var accBuf [64]float32
		acc := accBuf[:mr*nr]
		for p := 0; p < kp; p++ {
			ap := a[p*mr : (p+1)*mr]
			bp := b[p*nr : (p+1)*nr]
			for i, aw := range ap {
				a0, a1 := bf16Lo(aw), bf16Hi(aw)
				row := acc[i*nr : (i+1)*nr]
				for j, bw := range bp {
					row[j] += a0*bf16Lo(bw) + a1*bf16Hi(bw)
				}
			}
		}
		for i := 0; i < mr; i++ {
			dst := c[i*ldc : i*ldc+nr]
			for j, v := range acc[i*nr : (i+1)*nr] {
				if beta == 0 {
					dst[j] = alpha * v
				} else {
					dst[j] = alpha*v + beta*dst[j]
				}
			}
		}
	}
}

func bf16Lo(w uint32) float32 { return math.Float32frombits(w << 16) }
func bf16Hi(w uint32) float32 { return math.Float32frombits(w &^ 0xffff) }
