package autograd

import (
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
	u := g.AllocNoZero(winoX * kernels)
	winoGroups(kernels, func(d0, cnt int, stage *winoStage) {
		var k [9]float32
		var t [winoX]float32
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
			winoKernel(k[:], &t)
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
// groups [p0, p0+cnt) of at most winoGroup items covering [0, n), each with
// a staging block of its own.
func winoGroups(n int, fn func(p0, cnt int, stage *winoStage)) {
	groups := (n + winoGroup - 1) / winoGroup
	parallel.For(groups, 4, func(lo, hi int) {
		var stage winoStage
		for gi := lo; gi < hi; gi++ {
			p0 := gi * winoGroup
			fn(p0, min(winoGroup, n-p0), &stage)
		}
	})
}

// winoForward sets (or with accumulate adds) y [n][out][h][w] to the
// convolution of x [n][in][h][w] with transformed kernels u [36][out][in]
// plus bias (nil for none).
func winoForward(g *Tape, x []float32, q winoGeom, u, bias, y []float32, accumulate bool) {
	maxT := q.chunk * q.tiles
	v := g.AllocNoZero(winoX * q.in * maxT)
	m := g.AllocNoZero(winoX * q.out * maxT)
	inPlane := q.h * q.w
	q.chunks(func(i0, i1 int) {
		nt := (i1 - i0) * q.tiles
		winoInputs(x[i0*q.in*inPlane:i1*q.in*inPlane], &q, v, nt)
		winoParallel(winoX, 1, func(xi int) {
			simd.Sgemm(false, false, q.out, nt, q.in, 1, u[xi*q.out*q.in:], q.in, v[xi*q.in*nt:], nt, 0, m[xi*q.out*nt:], nt)
		})
		winoOutputs(m, nt, &q, bias, y[i0*q.out*inPlane:i1*q.out*inPlane], accumulate)
	})
	g.recycle(v)
	g.recycle(m)
}

// winoWeightGrad adds the kernel gradient of the convolution of x with
// output gradient dy into dw [out][in][3][3]: per ξ, dU[ξ] = dM[ξ]·V[ξ]ᵀ
// summed over all tiles, then dw = Gᵀ dU G.
func winoWeightGrad(g *Tape, x, dy []float32, q winoGeom, dw []float32) {
	maxT := q.chunk * q.tiles
	v := g.AllocNoZero(winoX * q.in * maxT)
	dm := g.AllocNoZero(winoX * q.out * maxT)
	du := g.Alloc(winoX * q.out * q.in)
	plane := q.h * q.w
	q.chunks(func(i0, i1 int) {
		nt := (i1 - i0) * q.tiles
		winoInputs(x[i0*q.in*plane:i1*q.in*plane], &q, v, nt)
		winoGradOutputs(dy[i0*q.out*plane:i1*q.out*plane], &q, dm, nt)
		winoParallel(winoX, 1, func(xi int) {
			simd.Sgemm(false, true, q.out, q.in, nt, 1, dm[xi*q.out*nt:], nt, v[xi*q.in*nt:], nt, 1, du[xi*q.out*q.in:], q.in)
		})
	})
	kernels := q.out * q.in
	winoGroups(kernels, func(p0, cnt int, stage *winoStage) {
		for xi := range stage {
			copy(stage[xi][:cnt], du[xi*kernels+p0:])
		}
		var t [winoX]float32
		var k [9]float32
		for j := 0; j < cnt; j++ {
			for xi := range t {
				t[xi] = stage[xi][j]
			}
			winoGradKernel(&t, k[:])
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
