package simd

// Direct operands: the micro-kernel reads op(A), and untransposed B, where
// they lie instead of from packed panels. Packing costs about one
// memory-bound copy (worth a few dozen multiply-adds) per element of A for
// every n columns of C, and per element of B for every m rows, so it matters
// when n or m is a few hundred: the tall-skinny Linear layers of a training
// step, their weight gradients (K = tokens) and the per-head attention products.

// useDirectA reports whether full A panels of a product with op(A) stored
// transposed (transA) or not, row stride lda, are read in place. The direct
// kernels match the packed one at every stride but one: untransposed A whose
// rows are a multiple of 4 KiB apart puts all twelve rows of a panel in the
// same L1 sets, and that costs the kernel ~8%, more than packing saves.
func useDirectA(kern *gemmKernel, transA bool, lda int) bool {
	if transA {
		return kern.directT != nil && directA.trans
	}
	return kern.directN != nil && directA.normal && lda%1024 != 0
}

// directA switches the direct path per A layout (tests and benchmarks force it).
var directA = struct{ trans, normal bool }{true, true}

// useDirectB reports whether full B panels of a product whose C block has m
// rows are read in place: packing B costs about 1/m of the multiply-adds, so
// reading it in place pays for few rows, when B is not transposed (a panel's
// steps are then 32 contiguous floats of a row of b). Rows of b a multiple
// of 4 KiB apart crowd a B block into few L2 sets, and that costs more than
// packing.
func useDirectB(kern *gemmKernel, transB bool, m, ldb int) bool {
	return !transB && kern.directT != nil && directBOn && m <= directBMaxRows && ldb%1024 != 0
}

// directBMaxRows is the most C rows for which B is read in place.
const directBMaxRows = 1024

// directBOn switches the direct B path (tests and benchmarks force it).
var directBOn = true

// runDirect computes the tiles of the first panels full row panels of the
// block, each read from a in place.
func (g *gemmBlock) runDirect(panels, bPanels int, edge **[]float32) {
	mr, nr, kc := g.kern.mr, g.kern.nr, g.kc
	tile, rowStep, colStep := g.kern.directN, g.lda, 1 // where op(A)[i][p] lies: i·rowStep + p·colStep
	if g.transA {
		tile, rowStep, colStep = g.kern.directT, 1, g.lda
	}
	for r := 0; r < panels; r++ {
		i := r * mr
		apan := g.a[(g.i0+i)*rowStep+g.p0*colStep:]
		for q := 0; q < bPanels; q++ {
			bpan, bstep := g.bPanel(q)
			off := i*g.ldc + q*nr
			fillTile(g.c[off:], g.ldc, g.bias, q*nr, mr, min(nr, g.nc-q*nr))
			if cols := min(nr, g.nc-q*nr); cols < nr {
				tmp := g.edgeTile(edge)
				tile(kc, apan, g.lda, bpan, bstep, tmp, nr, 1, 0)
				g.mergeEdge(tmp, off, mr, cols)
				continue
			}
			tile(kc, apan, g.lda, bpan, bstep, g.c[off:off+(mr-1)*g.ldc+nr], g.ldc, g.alpha, g.beta)
		}
	}
}
