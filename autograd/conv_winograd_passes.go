package autograd

import (
	"github.com/mmpoison/mmpoison/conv"
	"slices"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// The passes of a Winograd convolution over a batch, chunk by chunk: tile
// transforms in, 36 GEMMs (one per ξ, split over the workers, each GEMM
// single-threaded), tile transforms out. The GEMMs are fp32 whatever the
// tape's precision: the transforms amplify operand rounding about 20x.

// winoKernels returns the transformed kernels u [36][rows][cols] of w
// [o][c][3][3]: rows = o, cols = c, or with flip the kernels of the input
// gradient (rows = c, cols = o, each 3x3 kernel rotated by 180°).
func winoKernels(g *Tape, w []float32, o, c int, flip bool) []float32 {
	kernels := o * c
	u := g.AllocNoZero(conv.WinoX * kernels)
	winoGroups(kernels, func(d0, cnt int, stage *conv.WinoStage) {
		var k [9]float32
		var t [conv.WinoX]float32
		for j := 0; j < cnt; j++ {
			src := d0 + j // u's column d0+j is kernel src of w
			if flip {
				ch, oc := src/o, src%o
				src = oc*c + ch
			}
			for i := range k {
				k[i] = w[src*9+i]
			}
			if flip {
				slices.Reverse(k[:]) // reversing a 3x3 block flips both axes
			}
			conv.WinoKernel(k[:], &t)
			for xi, v := range t {
				stage[xi][j] = v
			}
		}
		for xi := range stage {
			copy(u[xi*kernels+d0:][:cnt], stage[xi][:cnt])
		}
	})
	return u
}

// winoGroups calls fn(p0, cnt, stage) over the worker pool for consecutive
// groups [p0, p0+cnt) of at most conv.WinoGroup items covering [0, n), each with
// a staging block of its own.
func winoGroups(n int, fn func(p0, cnt int, stage *conv.WinoStage)) {
	groups := (n + conv.WinoGroup - 1) / conv.WinoGroup
	parallel.For(groups, 4, func(lo, hi int) {
		var stage conv.WinoStage
		for gi := lo; gi < hi; gi++ {
			p0 := gi * conv.WinoGroup
			fn(p0, min(conv.WinoGroup, n-p0), &stage)
		}
	})
}

// winoForward sets (or with accumulate adds) y [n][out][h][w] to the
// convolution of x [n][in][h][w] with transformed kernels u [36][out][in]
// plus bias (nil for none).
func winoForward(g *Tape, x []float32, q conv.WinoGeom, u, bias, y []float32, accumulate bool) {
	maxT := q.Chunk * q.Tiles
	v := g.AllocNoZero(conv.WinoX * q.In * maxT)
	m := g.AllocNoZero(conv.WinoX * q.Out * maxT)
	inPlane := q.H * q.W
	q.Chunks(func(i0, i1 int) {
		nt := (i1 - i0) * q.Tiles
		conv.WinoInputs(x[i0*q.In*inPlane:i1*q.In*inPlane], &q, v, nt)
		winoParallel(conv.WinoX, 1, func(xi int) {
			simd.Sgemm(false, false, q.Out, nt, q.In, 1, u[xi*q.Out*q.In:], q.In, v[xi*q.In*nt:], nt, 0, m[xi*q.Out*nt:], nt)
		})
		conv.WinoOutputs(m, nt, &q, bias, y[i0*q.Out*inPlane:i1*q.Out*inPlane], accumulate)
	})
	g.recycle(v)
	g.recycle(m)
}

// winoWeightGrad adds the kernel gradient of the convolution of x with
// output gradient dy into dw [out][in][3][3]: per ξ, dU[ξ] = dM[ξ]·V[ξ]ᵀ
// summed over all tiles, then dw = Gᵀ dU G.
func winoWeightGrad(g *Tape, x, dy []float32, q conv.WinoGeom, dw []float32) {
	maxT := q.Chunk * q.Tiles
	v := g.AllocNoZero(conv.WinoX * q.In * maxT)
	dm := g.AllocNoZero(conv.WinoX * q.Out * maxT)
	du := g.Alloc(conv.WinoX * q.Out * q.In)
	plane := q.H * q.W
	q.Chunks(func(i0, i1 int) {
		nt := (i1 - i0) * q.Tiles
		conv.WinoInputs(x[i0*q.In*plane:i1*q.In*plane], &q, v, nt)
		conv.WinoGradOutputs(dy[i0*q.Out*plane:i1*q.Out*plane], &q, dm, nt)
		winoParallel(conv.WinoX, 1, func(xi int) {
			simd.Sgemm(false, true, q.Out, q.In, nt, 1, dm[xi*q.Out*nt:], nt, v[xi*q.In*nt:], nt, 1, du[xi*q.Out*q.In:], q.In)
		})
	})
	kernels := q.Out * q.In
	winoGroups(kernels, func(p0, cnt int, stage *conv.WinoStage) {
		for xi := range stage {
			copy(stage[xi][:cnt], du[xi*kernels+p0:])
		}
		var t [conv.WinoX]float32
		var k [9]float32
		for j := 0; j < cnt; j++ {
			for xi := range t {
				t[xi] = stage[xi][j]
			}
			conv.WinoGradKernel(&t, k[:])
			for i, d := range k {
				dw[(p0+j)*9+i] += d
			}
		}
	})
	g.recycle(v)
	g.recycle(dm)
	g.recycle(du)
}

// winoParallel calls fn(i) for every i in [0, n) over the worker pool, in
// chunks of at least grain.
func winoParallel(n, grain int, fn func(i int)) {
	parallel.For(n, grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}
