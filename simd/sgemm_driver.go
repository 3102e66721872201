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
	nb     int // columns of one packed B group (kc·nb stays in L2)
	mc     int // rows of A packed at once (bounds the A buffer)
	// tile computes c[0:mr, 0:nr] (row stride ldc) = alpha·Ap·Bp + beta·c;
	// beta == 0 must not read c.
	tile func(kc int, a, b, c []float32, ldc int, alpha, beta float32)
	// slim, if set, is tile for only slimRows rows: a points at a row inside
	// an mr-row panel. It serves the last, ragged row panel, so that panel
	// costs its own rows and not a whole mr-row tile.
	slimRows int
	slim     func(kc int, a, b, c []float32, ldc int, alpha, beta float32)
	// directT and directN, if set, are tile reading a full mr-row panel of
	// op(A) in place (a at its element [0][0], row stride lda) instead of
	// from a packed panel: directT when A is transposed, directN when not.
	// Both read the nr values of B's step p at b[p·bstep]: bstep = nr for a
	// packed panel, ldb for untransposed B in place. directT with lda = mr
	// reads a packed A panel.
	directT, directN directTile
}

// directTile computes an mr×nr tile from A with step or row stride lda and
// B with step bstep.
type directTile func(kc int, a []float32, lda int, b []float32, bstep int, c []float32, ldc int, alpha, beta float32)

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
// has handled m, n or k == 0. C is cut into a grid of one block per thread and
// each thread runs the whole blocked algorithm on its block with its own
// packing buffers: no barriers, and no packed panel shared between cores.
//
// A non-nil bias (n values) replaces beta·C: each tile of C starts as the
// bias row, written just before the kernel adds its first depth block.
func sgemmBlocked(kern *gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	tm, tn := gemmGridFor(m, n, k, parallel.Chunks(parallel.Threads(), 1), kern.mr, kern.nr, !useDirectA(kern, transA, lda))
	if tm*tn == 1 {
		sgemmSerial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
		return
	}
	sgemmGrid(kern, tm, tn, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
}

// sgemmGrid cuts C into tm×tn blocks (whole panels each) and runs the serial
// algorithm on every block, the blocks spread over the worker pool.
func sgemmGrid(kern *gemmKernel, tm, tn int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	gridBlocks(tm, tn, kern.mr, kern.nr, m, n, lda, ldb, transA, transB, func(_, i0, i1, j0, j1, ai, bj int) {
		sgemmSerial(kern, transA, transB, i1-i0, j1-j0, k, alpha, a[ai:], lda, b[bj:], ldb, beta, biasAt(bias, j0, j1-j0), c[i0*ldc+j0:], ldc)
	})
}

// gridBlocks calls fn for every non-empty block of a tm×tn grid over the m×n
// C, each block whole mr×nr panels, the blocks spread over the worker pool.
// fn gets the block's index, its rows [i0, i1) and columns [j0, j1), and the
// offsets in a and b of its first row of op(A) and first column of op(B).
func gridBlocks(tm, tn, mr, nr, m, n, lda, ldb int, transA, transB bool, fn func(id, i0, i1, j0, j1, ai, bj int)) {
	rowPanels, colPanels := (m+mr-1)/mr, (n+nr-1)/nr
	parallel.For(tm*tn, 1, func(lo, hi int) {
		for id := lo; id < hi; id++ {
			i0, i1 := splitPanels(id/tn, tm, rowPanels, mr, m)
			j0, j1 := splitPanels(id%tn, tn, colPanels, nr, n)
			if i0 >= i1 || j0 >= j1 {
				continue
			}
			ai, bj := i0*lda, j0
			if transA {
				ai = i0
			}
			if transB {
				bj = j0 * ldb
			}
			fn(id, i0, i1, j0, j1, ai, bj)
		}
	})
}

// splitPanels returns the element range of part p of parts when panels
// panels of width w (covering size elements) are dealt out evenly.
func splitPanels(p, parts, panels, w, size int) (lo, hi int) {
	return min(size, p*panels/parts*w), min(size, (p+1)*panels/parts*w)
}

// gemmGrid picks how many row parts (tm) and column parts (tn) to cut C into
// for up to threads threads. It minimises the modelled time of the slowest
// thread: its multiply-adds plus the cost of packing its A rows and B columns
// (each part packs its own) plus a fixed cost for waking each extra thread.
func gemmGrid(m, n, k, threads, mr, nr int) (tm, tn int) {
	return gemmGridFor(m, n, k, threads, mr, nr, true)
}

// gemmGridFor is gemmGrid where packA false means A is read in place (the
// direct kernels): splitting C by columns then duplicates only the cheaper
// first pass over A, not its packing.
func gemmGridFor(m, n, k, threads, mr, nr int, packA bool) (tm, tn int) {
	const (
		packCost   = 24      // multiply-adds one packed element costs
		directCost = 8       // ... and one element of A read in place (its first pass misses cache)
		wakeCost   = 1 << 20 // multiply-adds a thread hand-off costs (~10-20 µs: waking a parked worker)
	)
	rowPanels, colPanels := (m+mr-1)/mr, (n+nr-1)/nr
	aCost := float64(directCost) // per A row and unit of depth
	if packA {
		aCost = packCost
	}
	best := -1.0
	tm, tn = 1, 1
	for t := 1; t <= threads; t++ {
		for r := 1; r <= t; r++ {
			if t%r != 0 || r > rowPanels || t/r > colPanels {
				continue
			}
			rows := min(m, (rowPanels+r-1)/r*mr) // the largest part
			cols := min(n, (colPanels+t/r-1)/(t/r)*nr)
			cost := float64(rows)*float64(cols)*float64(k) +
				float64(k)*(aCost*float64(rows)+packCost*float64(cols)) + wakeCost*float64(t-1)
			if best < 0 || cost < best {
				best, tm, tn = cost, r, t/r
			}
		}
	}
	return tm, tn
}

// sgemmSerial runs the blocked algorithm on the calling goroutine. For each
// kc-deep slice and mc-row block of A, it walks C in groups of nb columns:
// the group's B block is packed into L2 just before use, and every A panel
// (packed during the first group, from then on streamed from L2/L3) sweeps
// it with the micro-kernel, the A panel staying in L1.
func sgemmSerial(kern *gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	direct := useDirectA(kern, transA, lda)
	directB := useDirectB(kern, transB, m, ldb)
	bufs := gemmBufPool.Get().(*gemmBuffers)
	defer gemmBufPool.Put(bufs)
	for pc := 0; pc < k; pc += kern.kc {
		kc := min(kern.kc, k-pc)
		betaP, biasP := depthBlock(pc, beta, bias)
		for ic := 0; ic < m; ic += kern.mc {
			mc := min(kern.mc, m-ic)
			aPanels := (mc + mr - 1) / mr
			bufs.a = grow(bufs.a, aPanels*mr*kc)
			for jg := 0; jg < n; jg += kern.nb {
				ng := min(kern.nb, n-jg)
				bPanels := (ng + nr - 1) / nr
				if directB { // only the ragged last panel, if any, is packed
					bufs.b = grow(bufs.b, nr*kc)
					if full := ng / nr; full < bPanels {
						packB(bufs.b, false, b, ldb, pc, kc, jg+full*nr, ng-full*nr, nr)
					}
				} else {
					bufs.b = grow(bufs.b, bPanels*nr*kc)
					packB(bufs.b, transB, b, ldb, pc, kc, jg, ng, nr)
				}
				blk := gemmBlock{kern: kern, ap: bufs.a, bp: bufs.b, kc: kc, mc: mc, nc: ng,
					alpha: alpha, beta: betaP, bias: biasAt(biasP, jg, ng), c: c[ic*ldc+jg:], ldc: ldc,
					transA: transA, a: a, lda: lda, i0: ic, p0: pc, direct: direct,
					directB: directB, b: b, ldb: ldb, j0: jg}
				blk.run(aPanels, bPanels, jg == 0)
			}
		}
	}
}

// gemmBlock is one mc×kc A block times one kc×nc B block, each packed or
// (direct, directB) read in place.
type gemmBlock struct {
	kern        *gemmKernel
	ap, bp      []float32
	kc, mc, nc  int
	alpha, beta float32
	bias        []float32 // when set, the block's bias: each tile's rows start as it (beta is 1)
	c           []float32 // C at the block's top-left corner
	ldc         int
	// source of the A block: rows [i0, i0+mc) and depth [p0, p0+kc) of op(A)
	transA bool
	a      []float32
	lda    int
	i0, p0 int
	direct bool // full A panels are read in place by kern.directT/N
	// directB: full B panels are read in place from b (columns [j0, j0+nc),
	// depth from p0, row stride ldb) and only a ragged last one is in bp
	directB bool
	b       []float32
	ldb, j0 int
}

// bPanel returns B's column panel q of the block and its step between depths.
func (g *gemmBlock) bPanel(q int) (pan []float32, step int) {
	nr, kc := g.kern.nr, g.kc
	switch {
	case !g.directB:
		return g.bp[q*nr*kc : (q+1)*nr*kc], nr
	case q < g.nc/nr:
		return g.b[g.p0*g.ldb+g.j0+q*nr:], g.ldb
	default:
		return g.bp[:nr*kc], nr
	}
}

// run computes every tile of the block, row panel by row panel so one A
// panel stays in L1 while it sweeps all of the (L2-resident) B panels. With
// pack set, each A panel is packed just before its first use (all at once
// when A is transposed). A direct block reads its full A panels in place and
// packs only the last, ragged one.
func (g *gemmBlock) run(aPanels, bPanels int, pack bool) {
	mr, kc := g.kern.mr, g.kc
	var edge *[]float32
	first := 0 // panels before first are done
	if g.direct {
		first = g.mc / mr
		g.runDirect(first, bPanels, &edge)
	} else if pack && g.transA {
		// op(A)'s rows are columns of a: packing all panels at once reads a
		// row by row, instead of a few floats from each of kc rows per panel.
		packA(g.ap, true, g.a, g.lda, g.i0, g.mc, g.p0, kc, mr)
		pack = false
	}
	for r := first; r < aPanels; r++ {
		apan := g.ap[r*mr*kc : (r+1)*mr*kc]
		rows := min(mr, g.mc-r*mr)
		if pack {
			packA(apan, g.transA, g.a, g.lda, g.i0+r*mr, rows, g.p0, kc, mr)
		}
		tile, step := g.kern.tile, mr
		if rows < mr && g.kern.slim != nil && !g.directB { // slim reads packed B only
			tile, step = g.kern.slim, g.kern.slimRows
		}
		for sub := 0; sub < rows; sub += step { // one pass unless slim
			h := min(step, rows-sub)
			for q := 0; q < bPanels; q++ {
				g.tileAt(tile, step, apan[sub:], q, r*mr+sub, h, &edge)
			}
		}
	}
	if edge != nil {
		edgeTilePool.Put(edge)
	}
}

// tileAt runs tile (which computes step rows × nr columns) for C rows
// [i, i+h) and column panel q. Whole tiles go straight to C; ragged ones go
// through a padded temporary tile and only their existing cells are merged.
func (g *gemmBlock) tileAt(tile func(kc int, a, b, c []float32, ldc int, alpha, beta float32), step int, apan []float32, q, i, h int, edge **[]float32) {
	nr, kc := g.kern.nr, g.kc
	bpan, bstep := g.bPanel(q)
	cols := min(nr, g.nc-q*nr)
	off := i*g.ldc + q*nr
	fillTile(g.c[off:], g.ldc, g.bias, q*nr, h, cols)
	ragged := h < step || cols < nr
	var dst []float32 // ragged tiles go through the scratch tile
	ldc, alpha, beta := g.ldc, g.alpha, g.beta
	if ragged {
		dst, ldc, alpha, beta = g.edgeTile(edge), nr, 1, 0
	} else {
		dst = g.c[off : off+(step-1)*g.ldc+nr]
	}
	if g.directB { // packed A (step mr) with B in place
		g.kern.directT(kc, apan, g.kern.mr, bpan, bstep, dst, ldc, alpha, beta)
	} else {
		tile(kc, apan, bpan, dst, ldc, alpha, beta)
	}
	if ragged {
		g.mergeEdge(dst, off, h, cols)
	}
}

// edgeTile returns the block's mr×nr scratch tile, taking one from the pool
// on first use (run returns it).
func (g *gemmBlock) edgeTile(edge **[]float32) []float32 {
	if *edge == nil {
		*edge = edgeTilePool.Get().(*[]float32)
		**edge = grow(**edge, g.kern.mr*g.kern.nr)
	}
	return **edge
}

// mergeEdge merges the first h rows and cols columns of the unscaled tile tmp
// (row stride nr) into C at offset off: C = alpha·tmp + beta·C.
func (g *gemmBlock) mergeEdge(tmp []float32, off, h, cols int) {
	nr := g.kern.nr
	for r := 0; r < h; r++ {
		dst := g.c[off+r*g.ldc : off+r*g.ldc+cols]
		src := tmp[r*nr : r*nr+cols]
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

// The bias epilogue shared by the fp32 and bf16 drivers.

// depthBlock is the beta and bias of the depth block starting at pc: the
// first block gets the caller's, or beta 1 onto the bias its tiles start
// from; later blocks accumulate onto the first.
func depthBlock(pc int, beta float32, bias []float32) (float32, []float32) {
	switch {
	case pc > 0:
		return 1, nil
	case bias != nil:
		return 1, bias
	}
	return beta, nil
}

// fillTile sets rows [0, rows) and columns [0, cols) of the tile at c (row
// stride ldc) to bias[j:j+cols], when there is a bias.
func fillTile(c []float32, ldc int, bias []float32, j, rows, cols int) {
	if bias == nil {
		return
	}
	row := bias[j : j+cols]
	for r := range rows {
		copy(c[r*ldc:r*ldc+cols], row)
	}
}

// biasAt is the part [j, j+n) of bias, or nil.
func biasAt(bias []float32, j, n int) []float32 {
	if bias == nil {
		return nil
	}
	return bias[j : j+n]
}
