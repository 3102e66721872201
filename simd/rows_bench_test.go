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

// BenchmarkLayerNormRows times layer norm forward and backward over a
// training-step activation (rows = 128 images × 65 ViT tokens, streamed from
// memory) and over one image's 65 tokens (cache-resident), one thread,
// per implementation: impl=go is the Go path (with the level's Sum kernel),
// the path every level used before the assembly. Bytes count the row data
// streamed (forward x, dst; backward x, dy, dx); gamma, beta and the
// dgamma/dbeta accumulators stay in cache.
func BenchmarkLayerNormRows(b *testing.B) {
	old := Active()
	defer SetLevel(old)
	SetLevel(min(Best(), AVX512))
	impls := []*rowKernels{rowsGo}
	if Supported(AVX512) && rowsAVX512 != nil {
		impls = append(impls, rowsAVX512)
	}
	rng := rand.New(rand.NewPCG(33, 34))
	for _, shape := range [][2]int{{65, 256}, {8320, 256}, {8320, 768}} {
		rows, width := shape[0], shape[1]
		x, dy := uniform(rng, rows*width, -2, 2), uniform(rng, rows*width, -1, 1)
		y, dx := make([]float32, rows*width), make([]float32, rows*width)
		gamma, beta := uniform(rng, width, 0.5, 1.5), uniform(rng, width, -1, 1)
		dgamma, dbeta := make([]float32, width), make([]float32, width)
		stats := make([]float32, 2*rows)
		for _, k := range impls {
			b.Run(fmt.Sprintf("op=layernorm/impl=%s/rows=%d/width=%d", k.name, rows, width), func(b *testing.B) {
				b.SetBytes(int64(2 * 4 * rows * width))
				for b.Loop() {
					for r := range rows {
						row := r * width
						stats[2*r], stats[2*r+1] = k.layerNorm(y[row:row+width], x[row:row+width], gamma, beta, 1e-5)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
			})
			b.Run(fmt.Sprintf("op=layernorm_backward/impl=%s/rows=%d/width=%d", k.name, rows, width), func(b *testing.B) {
				b.SetBytes(int64(3 * 4 * rows * width))
				for b.Loop() {
					for r := range rows {
						row := r * width
						k.layerNormBackward(dx[row:row+width], dgamma, dbeta, dy[row:row+width], x[row:row+width], gamma, stats[2*r], stats[2*r+1])
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
			})
		}
	}
}
