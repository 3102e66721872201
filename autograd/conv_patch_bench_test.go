package autograd

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2dPatch times the ViT patch embedding (3→256, 64x64, k8 s8,
// batch 128, input without gradient) forward and backward on the patch
// path and on the grouped path it replaced, so the two can be compared in
// one run on a busy machine: -bench Conv2dPatch -count 5, and -cpu 1,2 with
// GOMAXPROCS set to match (the worker pool is sized at start-up).
func BenchmarkConv2dPatch(b *testing.B) {
	const n, c, o, h, k = 128, 3, 256, 64, 8
	for _, path := range []string{"patch", "grouped"} {
		b.Run("path="+path, func(b *testing.B) {
			convPatchOn = path == "patch"
			defer func() { convPatchOn = true }()
			r := rand.New(rand.NewPCG(1, 2))
			x := convTestRandParam(r, n, c, h, h)
			x.SetRequiresGrad(false)
			w := convTestRandParam(r, o, c, k, k)
			gy := convTestWeights(r, n*o*(h/k)*(h/k))
			g := NewTape()
			benchMedian(b, func() {
				g.Backward(benchSeedGrad(g, g.Conv2d(x, w, nil, k, 0), gy))
				g.Reset()
			})
		})
	}
}
