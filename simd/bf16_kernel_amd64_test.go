//go:build amd64 && !purego

package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBF16KernelRows runs every generated r-row kernel (r = 1..12) on
// random packed panels against a float64 sum of the same bf16 pairs, within
// float32 summation error: (2kp+2)·2^-24·(|alpha|·Σ|ab| + |beta·c|). The
// rows below the tile and the columns beside it must stay as they were.
func TestBF16KernelRows(t *testing.T) {
	if !HasBF16Dot() {
		t.Skip("no AVX512_BF16 on this CPU: the VDPBF16PS kernels cannot run")
	}
	kern := bf16KernelAVX512
	mr, nr := kern.mr, kern.nr
	rng := rand.New(rand.NewPCG(21, 22))
	const ldc, sentinel = 40, float32(-555.5)
	for _, kp := range []int{0, 1, 3, 4, 7, 33} {
		ap, bp := make([]uint32, mr*kp+1), make([]uint32, nr*kp+1)
		for i := range ap {
			ap[i] = bf16Pair(rng.Float32()*2-1, rng.Float32()*2-1)
		}
		for i := range bp {
			bp[i] = bf16Pair(rng.Float32()*2-1, rng.Float32()*2-1)
		}
		for rows := 1; rows <= mr; rows++ {
			for _, beta := range []float32{0, 0.75} {
				c := make([]float32, (mr+1)*ldc)
				for i := range c {
					c[i] = sentinel
				}
				want, tol := make([]float64, mr*nr), make([]float64, mr*nr)
				for i := 0; i < rows; i++ {
					for j := 0; j < nr; j++ {
						c[i*ldc+j] = rng.Float32()
						var sum, mag float64
						for p := 0; p < kp; p++ {
							aw, bw := ap[p*mr+i], bp[p*nr+j]
							x := float64(bf16Lo(aw))*float64(bf16Lo(bw)) + float64(bf16Hi(aw))*float64(bf16Hi(bw))
							sum += x
							mag += math.Abs(float64(bf16Lo(aw))*float64(bf16Lo(bw))) + math.Abs(float64(bf16Hi(aw))*float64(bf16Hi(bw)))
						}
						cc := float64(beta) * float64(c[i*ldc+j])
						want[i*nr+j] = 1.5*sum + cc
						tol[i*nr+j] = float64(2*kp+2)*math.Ldexp(1, -24)*(1.5*mag+math.Abs(cc)) + 1e-30
					}
				}
				kern.tileRows(rows, kp, ap, bp, c, ldc, 1.5, beta)
				for i := 0; i <= mr; i++ {
					for j := 0; j < ldc; j++ {
						got := c[i*ldc+j]
						if i >= rows || j >= nr {
							if got != sentinel {
								t.Fatalf("kp=%d rows=%d beta=%g: C[%d][%d] outside the tile overwritten with %g", kp, rows, beta, i, j, got)
							}
							continue
						}
						if d := math.Abs(float64(got) - want[i*nr+j]); !(d <= tol[i*nr+j]) {
							t.Fatalf("kp=%d rows=%d beta=%g: C[%d][%d] = %g, float64 reference %g: |err| %g > bound %g",
								kp, rows, beta, i, j, got, want[i*nr+j], d, tol[i*nr+j])
						}
					}
				}
			}
		}
	}
}
