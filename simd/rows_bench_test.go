package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkRows times the row and vector kernels per level and length,
// reporting throughput in elements per nanosecond via MB/s of float32 input.
func BenchmarkRows(b *testing.B) {
	old := Active()
	defer SetLevel(old)
	rng := rand.New(rand.NewPCG(31, 32))
	for l := Generic; l <= AVX512; l++ {
		if !Supported(l) {
			continue
		}
		for _, n := range []int{256, 1024, 4096} {
			x, y := uniform(rng, n, -4, 4), uniform(rng, n, -4, 4)
			gamma, beta, dst := uniform(rng, n, 0.5, 1.5), uniform(rng, n, -1, 1), make([]float32, n)
			ops := []struct {
				name string
				f    func()
			}{
				{"softmax", func() { SoftmaxRow(dst, x) }},
				{"layernorm", func() { LayerNormRow(dst, x, gamma, beta, 1e-5) }},
				{"gelu", func() { GELU(dst, x) }},
				{"gelu_tanh", func() { GELUTanh(dst, x) }},
				{"dot", func() { dst[0] = Dot(x, y) }},
			}
			for _, op := range ops {
				b.Run(fmt.Sprintf("op=%s/impl=%s/n=%d", op.name, l, n), func(b *testing.B) {
					SetLevel(l)
					b.SetBytes(int64(4 * n))
					for i := 0; i < b.N; i++ {
						op.f()
					}
				})
			}
		}
	}
}
