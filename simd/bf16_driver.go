package simd

import (
	"sync"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// bf16Kernel describes one bf16 micro-kernel and the cache blocking around it.
// Sizes along k are in elements; kc must be even so blocks split pairs cleanly.
type bf16Kernel struct {
	name   string
	mr, nr int
	kc     int // depth of one packed block (an A panel of kc/2·mr words stays in L1)
	nb     int // columns of one packed B group (kc/2·nb words stay in L2)
	mc     int // rows of A packed at once (bounds the A buffer); a multiple of mr
	nc     int // unused by the driver; kept so kernel tables stay comparable
	// kstep is the pair steps one kernel step consumes: the packed depth is
	// padded with zero pairs to a multiple of it.
	kstep int
	// packA, when set, replaces packABF16 (AMX wants rows of pairs, not
	// steps of rows); same arguments.
	packA func(dst []uint32, transA bool, a []float32, lda, i0, rows, p0, kc, kp, mr int)
	// tile computes c[0:mr, 0:nr] (row stride ldc) = alpha·Ap·Bp + beta·c from
	// kp pair steps; beta == 0 must not read c.
	tile func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32)
	// tileRows, if set, is tile for only the first rows (1..mr) rows of the
	// A panel: the last, ragged row panel then costs its own rows, written
	// straight to C, instead of a whole tile through a temporary.
	tileRows func(rows, kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32)
	// tilePF, if set, is tile that also prefetches into L2 one line at
	// pf + i·pfStride bytes for every 4 pair steps i (see bf16Prefetch).
	tilePF func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32, pf *float32, pfStride int)
}

type bf16Buffers struct {
	a, b []uint32
	edge []float32
}

var bf16BufPool = sync.Pool{New: func() any { return new(bf16Buffers) }}

func growU32(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n)
	}
	return s[:n]
}

// bf16With returns the packed, blocked, parallel driver around kern. The
// caller (GemmBF16) has handled m, n, k == 0 and alpha == 0.
func bf16With(kern *bf16Kernel) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		bf16Blocked(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc)
	}
}

// bf16BiasWith is bf16With's driver for C = alpha·op(A)·op(B) + bias.
func bf16BiasWith(kern *bf16Kernel) gemmBiasFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
		bf16Blocked(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, bias, c, ldc)
	}
}

// bf16Blocked cuts C into a grid of one block per thread, as sgemmBlocked
// does (same cost model), and each thread runs the whole blocked algorithm
// on its block with its own B packing buffers. When C is split by columns,
// every thread would round and pack the same rows of A, so A is packed once
// into a shared buffer, panel by panel by whichever thread needs it first
// (no barrier: see bf16SharedA); otherwise nothing is shared.
//
// Measured at 2 threads (AMD EPYC, AVX512_BF16; 1024³, 2048³, 256×512×2048)
// the grid's column split (tn = 2) with the shared A and a row split with
// private A packing run within 1% of each other, so the SGEMM's rule stays.
// What 2 threads lose to torch.mm is the pool waking its parked worker
// (60-100 µs a call on this VM), not the split.
//
// A non-nil bias (n values) replaces beta·C: each tile of C starts as the
// bias row, written just before the kernel adds its first depth block, so
// it is still in L1 when read.
func bf16Blocked(kern *bf16Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	tm, tn := gemmGrid(m, n, k, parallel.Chunks(parallel.Threads(), 1), kern.mr, kern.nr)
	if tm*tn == 1 {
		bf16Serial(kern, bf16Shared{}, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
		return
	}
	bf16Grid(kern, tm, tn, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
}

// bf16Grid cuts C into tm×tn blocks (whole panels each) and runs the serial
// algorithm on every block, the blocks spread over the worker pool. Blocks
// that share rows of C share their packed A (see bf16SharedA): the column
// blocks of a row walk its panels from staggered starts, so each packs a
// different part of A while the others are still busy with theirs.
func bf16Grid(kern *bf16Kernel, tm, tn int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	var shared *bf16SharedA
	if tn > 1 {
		shared = newSharedA(kern, transA, m, k, a, lda)
		defer shared.release()
	}
	gridBlocks(tm, tn, kern.mr, kern.nr, m, n, lda, ldb, transA, transB, func(id, i0, i1, j0, j1, ai, bj int) {
		start := id % tn * ((i1 - i0 + kern.mr - 1) / kern.mr) / tn
		bf16Serial(kern, bf16Shared{shared, i0 / kern.mr, start}, transA, transB, i1-i0, j1-j0, k, alpha, a[ai:], lda, b[bj:], ldb, beta, biasAt(bias, j0, j1-j0), c[i0*ldc+j0:], ldc)
	})
}

// bf16Shared is a block's view of a shared packed A: its first row panel
// there, and the panel (counted from the block's first) where its walk over
// the row panels starts. The zero value means A is packed privately.
type bf16Shared struct {
	a             *bf16SharedA
	panel0, start int
}

// bf16Serial runs the blocked algorithm on the calling goroutine. For each
// kc-deep slice and mc-row block of A it walks C in groups of nb columns:
// the group's B block is packed (and rounded) into L2 just before use, and
// every A panel (packed during the first group, privately or into the
// shared A) sweeps it from L1.
func bf16Serial(kern *bf16Kernel, shared bf16Shared, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	mr, nr, mcMax := kern.mr, kern.nr, kern.mc
	if shared.a != nil {
		mcMax = m // mc only bounds the private A buffer: pack each B group once
	}
	bufs := bf16BufPool.Get().(*bf16Buffers)
	defer bf16BufPool.Put(bufs)
	for pc := 0; pc < k; pc += kern.kc {
		kc := min(kern.kc, k-pc)
		kp := kern.pairSteps(kc)
		betaP, biasP := depthBlock(pc, beta, bias)
		for ic := 0; ic < m; ic += mcMax {
			mc := min(mcMax, m-ic)
			aPanels := (mc + mr - 1) / mr
			ap := shared.a.block(kern, pc, shared.panel0+ic/mr, aPanels)
			if ap == nil {
				bufs.a = growU32(bufs.a, aPanels*mr*kp)
				ap = bufs.a
			}
			for jg := 0; jg < n; jg += kern.nb {
				ng := min(kern.nb, n-jg)
				bPanels := (ng + nr - 1) / nr
				bufs.b = growU32(bufs.b, bPanels*nr*kp)
				packBBF16(bufs.b, transB, b, ldb, pc, kc, kp, jg, ng, nr)
				blk := bf16Block{kern: kern, ap: ap, bufs: bufs, kc: kc, kp: kp, mc: mc, nc: ng, bias: biasAt(biasP, jg, ng),
					alpha: alpha, beta: betaP, c: c[ic*ldc+jg:], ldc: ldc,
					transA: transA, a: a, lda: lda, i0: ic, p0: pc, shared: shared}
				if kern.tilePF != nil {
					blk.pf = nextBGroup(kern, transB, b, ldb, m, n, k, pc, ic+mc, jg+ng, kp)
				}
				blk.run(aPanels, bPanels, jg == 0)
			}
		}
	}
}

// bf16Block is one packed mc×kc A block times one packed kc×nc B group.
type bf16Block struct {
	kern           *bf16Kernel
	ap             []uint32     // packed A panels of the block
	bufs           *bf16Buffers // packed B group, edge tile
	pf             bf16Prefetch // the next B group's source, fetched by the tiles
	kc, kp, mc, nc int
	shared         bf16Shared // where A is packed, when shared; where the walk starts
	alpha, beta    float32
	bias           []float32 // when set, the group's bias: each tile's rows start as it (beta is 1)
	c              []float32 // C at the block's top-left corner
	ldc            int
	// source of the A block: rows [i0, i0+mc) and depth [p0, p0+kc) of op(A)
	transA bool
	a      []float32
	lda    int
	i0, p0 int
}

// pairSteps is the packed depth, in pair words, of a kc-deep block.
func (k *bf16Kernel) pairSteps(kc int) int {
	step := max(1, k.kstep)
	return ((kc+1)/2 + step - 1) / step * step
}

func (g *bf16Block) packRows(r0, r1 int) {
	mr, kp := g.kern.mr, g.kp
	pack := packABF16
	if g.kern.packA != nil {
		pack = g.kern.packA
	}
	pack(g.ap[r0*mr*kp:r1*mr*kp], g.transA, g.a, g.lda, g.i0+r0*mr, min(r1*mr, g.mc)-r0*mr, g.p0, g.kc, kp, mr)
}

// run computes every tile of the block, row panel by row panel so one A
// panel stays in L1 while it sweeps the L2-resident B group; the walk
// starts at panel g.shared.start and wraps around. With first set each A panel is
// packed just before its first use: privately (all at once when A is
// transposed: op(A)'s rows are then columns of a, read row by row), or in
// the shared A by whichever thread gets to it first.
func (g *bf16Block) run(aPanels, bPanels int, first bool) {
	mr, nr, kp := g.kern.mr, g.kern.nr, g.kp
	shared := g.shared.a
	pack := first && shared == nil
	if pack && g.transA {
		g.packRows(0, aPanels)
		pack = false
	}
	for i := 0; i < aPanels; i++ {
		r := (g.shared.start + i) % aPanels
		switch {
		case pack:
			g.packRows(r, r+1)
		case first && shared != nil:
			shared.ensure(g.p0, g.shared.panel0+g.i0/mr+r)
		}
		apan := g.ap[r*mr*kp : (r+1)*mr*kp]
		rows := min(mr, g.mc-r*mr)
		for q := 0; q < bPanels; q++ {
			bpan := g.bufs.b[q*nr*kp : (q+1)*nr*kp]
			cols := min(nr, g.nc-q*nr)
			off := r*mr*g.ldc + q*nr
			fillTile(g.c[off:], g.ldc, g.bias, q*nr, rows, cols)
			switch {
			case rows == mr && cols == nr:
				if pf, stride := g.pf.next(); pf != nil {
					g.kern.tilePF(kp, apan, bpan, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.beta, pf, stride)
					continue
				}
				g.kern.tile(kp, apan, bpan, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.beta)
				continue
			case cols == nr && g.kern.tileRows != nil:
				g.kern.tileRows(rows, kp, apan, bpan, g.c[off:off+(rows-1)*g.ldc+nr], g.ldc, g.alpha, g.beta)
				continue
			}
			g.edgeTile(apan, bpan, off, rows, cols)
		}
	}
}

// edgeTile runs the kernel into a padded temporary tile and merges only the
// rows×cols cells that exist in C.
func (g *bf16Block) edgeTile(apan, bpan []uint32, off, rows, cols int) {
	nr := g.kern.nr
	g.bufs.edge = grow(g.bufs.edge, g.kern.mr*nr)
	tmp := g.bufs.edge
	g.kern.tile(g.kp, apan, bpan, tmp, nr, 1, 0)
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
