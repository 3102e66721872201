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
	kc     int
	nb     int
	mc, nc int
	// kstep is the pair steps one kernel step consumes: the packed depth is
	// padded with zero pairs to a multiple of it.
	kstep int
	// packA, when set, replaces packABF16 (AMX wants rows of pairs, not
	// steps of rows); same arguments.
	packA func(dst []uint32, transA bool, a []float32, lda, i0, rows, p0, kc, kp, mr int)
	// tile computes c[0:mr, 0:nr] (row stride ldc) = alpha·Ap·Bp + beta·c from
	// kp pair steps; beta == 0 must not read c.
	tile func(kp int, a, b []uint32, c []float32, ldc int, alpha, beta float32)
}

type bf16Buffers struct{ a, b []uint32 }

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
		bf16Blocked(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

func bf16Blocked(kern *bf16Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	bufs := bf16BufPool.Get().(*bf16Buffers)
	defer bf16BufPool.Put(bufs)
	for jc := 0; jc < n; jc += kern.nc {
		nc := min(kern.nc, n-jc)
		bPanels := (nc + nr - 1) / nr
		for pc := 0; pc < k; pc += kern.kc {
			kc := min(kern.kc, k-pc)
			kp := kern.pairSteps(kc)
			betaP := beta
			if pc > 0 { // later depth blocks accumulate onto the first
				betaP = 1
			}
			bufs.b = growU32(bufs.b, bPanels*nr*kp)
			bp := bufs.b
			parallel.For(bPanels, 8, func(lo, hi int) {
				packBBF16(bp[lo*nr*kp:hi*nr*kp], transB, b, ldb, pc, kc, kp, jc+lo*nr, min(hi*nr, nc)-lo*nr, nr)
			})
			for ic := 0; ic < m; ic += kern.mc {
				mc := min(kern.mc, m-ic)
				aPanels := (mc + mr - 1) / mr
				bufs.a = growU32(bufs.a, aPanels*mr*kp)
				blk := bf16Block{kern: kern, ap: bufs.a, bp: bp, kc: kc, mc: mc, nc: nc,
					alpha: alpha, beta: betaP, c: c[ic*ldc+jc:], ldc: ldc,
					transA: transA, a: a, lda: lda, i0: ic, p0: pc}
				if aPanels >= 2*parallel.Threads() || aPanels >= bPanels {
					// split rows: each worker packs the A panels it alone uses
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

// bf16Block is one packed mc×kc A block times one packed kc×nc B block.
type bf16Block struct {
	kern        *bf16Kernel
	ap, bp      []uint32
	kc, mc, nc  int
	alpha, beta float32
	c           []float32 // C at the block's top-left corner
	ldc         int
	transA      bool
	a           []float32
	lda         int
	i0, p0      int
}

// pairSteps is the packed depth, in pair words, of a kc-deep block.
func (k *bf16Kernel) pairSteps(kc int) int {
	step := max(1, k.kstep)
	return ((kc+1)/2 + step - 1) / step * step
}

func (g *bf16Block) kp() int { return g.kern.pairSteps(g.kc) }

func (g *bf16Block) packRows(r0, r1 int) {
	mr, kp := g.kern.mr, g.kp()
	pack := packABF16
	if g.kern.packA != nil {
		pack = g.kern.packA
	}
	pack(g.ap[r0*mr*kp:r1*mr*kp], g.transA, g.a, g.lda, g.i0+r0*mr, min(r1*mr, g.mc)-r0*mr, g.p0, g.kc, kp, mr)
}

// run computes row panels [r0, r1) × column panels [q0, q1), columns in
// L2-sized groups of nb so packed B is reused by every row panel.
func (g *bf16Block) run(r0, r1, q0, q1 int, pack bool) {
	mr, nr, kp := g.kern.mr, g.kern.nr, g.kp()
	groupPanels := max(1, g.kern.nb/nr)
	var edge []float32
	for gq := q0; gq < q1; gq += groupPanels {
		gEnd := min(q1, gq+groupPanels)
		for r := r0; r < r1; r++ {
			if pack && gq == q0 {
				g.packRows(r, r+1)
			}
			apan := g.ap[r*mr*kp : (r+1)*mr*kp]
			rows := min(mr, g.mc-r*mr)
			for q := gq; q < gEnd; q++ {
				bpan := g.bp[q*nr*kp : (q+1)*nr*kp]
				cols := min(nr, g.nc-q*nr)
				off := r*mr*g.ldc + q*nr
				if rows == mr && cols == nr {
					g.kern.tile(kp, apan, bpan, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.beta)
					continue
				}
				if edge == nil {
					edge = make([]float32, mr*nr)
				}
				g.edgeTile(edge, apan, bpan, off, rows, cols)
			}
		}
	}
}

// edgeTile runs the kernel into a padded temporary tile and merges only the
// rows×cols cells that exist in C.
func (g *bf16Block) edgeTile(tmp []float32, apan, bpan []uint32, off, rows, cols int) {
	nr := g.kern.nr
	g.kern.tile(g.kp(), apan, bpan, tmp, nr, 1, 0)
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
