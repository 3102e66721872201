package simd

import (
	"sync"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// gemmKernel describes one micro-kernel and the cache blocking around it.
type gemmKernel struct {
	name   string
	mr, nr int // tile computed per call: mr rows × nr columns
	kc     int // depth of one packed block (A micro-panel kc·mr stays in L1)
	nb     int // columns of packed B reused from L2 by one row panel
	mc, nc int // rows of A and columns of B packed at once (bound the buffers)
	// tile computes c[0:mr, 0:nr] (row stride ldc) = alpha·Ap·Bp + beta·c;
	// beta == 0 must not read c.
	tile func(kc int, a, b, c []float32, ldc int, alpha, beta float32)
}

// gemmBuffers are reused across calls: packed A and B blocks plus one edge tile.
type gemmBuffers struct{ a, b []float32 }

var gemmBufPool = sync.Pool{New: func() any { return new(gemmBuffers) }}

var edgeTilePool = sync.Pool{New: func() any { return new([]float32) }}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// sgemmBlocked is the packed, cache-blocked, parallel SGEMM driver. The caller
// has handled m, n or k == 0.
func sgemmBlocked(kern *gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	bufs := gemmBufPool.Get().(*gemmBuffers)
	defer gemmBufPool.Put(bufs)
	for jc := 0; jc < n; jc += kern.nc {
		nc := min(kern.nc, n-jc)
		bPanels := (nc + nr - 1) / nr
		for pc := 0; pc < k; pc += kern.kc {
			kc := min(kern.kc, k-pc)
			betaP := beta
			if pc > 0 { // later depth blocks accumulate onto the first
				betaP = 1
			}
			bufs.b = grow(bufs.b, bPanels*nr*kc)
			bp := bufs.b
			parallel.For(bPanels, 8, func(lo, hi int) {
				packB(bp[lo*nr*kc:hi*nr*kc], transB, b, ldb, pc, kc, jc+lo*nr, min(hi*nr, nc)-lo*nr, nr)
			})
			for ic := 0; ic < m; ic += kern.mc {
				mc := min(kern.mc, m-ic)
				aPanels := (mc + mr - 1) / mr
				bufs.a = grow(bufs.a, aPanels*mr*kc)
				blk := gemmBlock{kern: kern, ap: bufs.a, bp: bp, kc: kc, mc: mc, nc: nc,
					alpha: alpha, beta: betaP, c: c[ic*ldc+jc:], ldc: ldc,
					transA: transA, a: a, lda: lda, i0: ic, p0: pc}
				if aPanels >= 2*parallel.Threads() || aPanels >= bPanels {
					// split rows: each worker packs the A panels it alone uses, just before use
					parallel.For(aPanels, 1, func(lo, hi int) { blk.run(lo, hi, 0, bPanels, true) })
					continue
				}
				// split columns: every worker reads all of A, so pack it first
				parallel.For(aPanels, 8, func(lo, hi int) { blk.packRows(lo, hi) })
				parallel.For(bPanels, 1, func(lo, hi int) { blk.run(0, aPanels, lo, hi, false) })
			}
		}
	}
}

// gemmBlock is one packed mc×kc A block times one packed kc×nc B block.
type gemmBlock struct {
	kern        *gemmKernel
	ap, bp      []float32
	kc, mc, nc  int
	alpha, beta float32
	c           []float32 // C at the block's top-left corner
	ldc         int
	// source of the A block: rows [i0, i0+mc) and depth [p0, p0+kc) of op(A)
	transA bool
	a      []float32
	lda    int
	i0, p0 int
}

// packRows packs A row panels [r0, r1) of the block.
func (g *gemmBlock) packRows(r0, r1 int) {
	mr, kc := g.kern.mr, g.kc
	packA(g.ap[r0*mr*kc:r1*mr*kc], g.transA, g.a, g.lda, g.i0+r0*mr, min(r1*mr, g.mc)-r0*mr, g.p0, kc, mr)
}

// run computes row panels [r0, r1) × column panels [q0, q1). Columns go in
// L2-sized groups of nb so a group of packed B is reused by every row panel.
// With pack set, each A row panel is packed on its first use.
func (g *gemmBlock) run(r0, r1, q0, q1 int, pack bool) {
	mr, nr, kc := g.kern.mr, g.kern.nr, g.kc
	groupPanels := max(1, g.kern.nb/nr)
	var edge *[]float32
	for gq := q0; gq < q1; gq += groupPanels {
		gEnd := min(q1, gq+groupPanels)
		for r := r0; r < r1; r++ {
			if pack && gq == q0 {
				g.packRows(r, r+1)
			}
			apan := g.ap[r*mr*kc : (r+1)*mr*kc]
			rows := min(mr, g.mc-r*mr)
			for q := gq; q < gEnd; q++ {
				bpan := g.bp[q*nr*kc : (q+1)*nr*kc]
				cols := min(nr, g.nc-q*nr)
				off := r*mr*g.ldc + q*nr
				if rows == mr && cols == nr {
					g.kern.tile(kc, apan, bpan, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.beta)
					continue
				}
				if edge == nil {
					edge = edgeTilePool.Get().(*[]float32)
					*edge = grow(*edge, mr*nr)
				}
				g.edgeTile(*edge, apan, bpan, off, rows, cols)
			}
		}
	}
	if edge != nil {
		edgeTilePool.Put(edge)
	}
}

// edgeTile runs the kernel into a padded temporary tile and merges only the
// rows×cols cells that exist in C.
func (g *gemmBlock) edgeTile(tmp, apan, bpan []float32, off, rows, cols int) {
	nr := g.kern.nr
	g.kern.tile(g.kc, apan, bpan, tmp, nr, 1, 0)
	for i := 0; i < rows; i++ {
		dst := g.c[off+i*g.ldc : off+i*g.ldc+cols]
		src := tmp[i*nr : i*nr+cols]
		if g.beta == 0 {
			for j, v := range src {
				dst[j] = g.alpha * v
			}
			continue
		}
		for j, v := range src {
			dst[j] = g.alpha*v + g.beta*dst[j]
		}
	}
}
