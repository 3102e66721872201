package autograd

import (
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// MatMul multiplies op(a)·op(b), where op transposes the last two
// dimensions when its flag is set. 2-D: [M,K]x[K,N] → [M,N]; 3-D batched:
// [B,M,K]x[B,K,N] → [B,M,N]. Backward uses Sgemm's transpose flags, so no
// transposed copy is ever made.
func (g *Tape) MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	nd := len(a.Shape)
	if nd != len(b.Shape) || (nd != 2 && nd != 3) {
		opPanic("MatMul", "need two 2-D or two 3-D tensors, got %v and %v", a.Shape, b.Shape)
	}
	batch := 1
	if nd == 3 {
		if a.Shape[0] != b.Shape[0] {
			opPanic("MatMul", "batch sizes differ: %v and %v", a.Shape, b.Shape)
		}
		batch = a.Shape[0]
	}
	ar, ac := a.Shape[nd-2], a.Shape[nd-1]
	br, bcn := b.Shape[nd-2], b.Shape[nd-1]
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := br, bcn
	if transB {
		kb, n = bcn, br
	}
	if k != kb {
		opPanic("MatMul", "inner dimensions differ: %v (transA=%v) and %v (transB=%v)", a.Shape, transA, b.Shape, transB)
	}
	shape := []int{m, n}
	if nd == 3 {
		shape = []int{batch, m, n}
	}
	out := &Tensor{Data: g.AllocNoZero(batch * m * n), Shape: shape}
	ad, bd, cd := a.Data, b.Data, out.Data
	sa, sb, sc := ar*ac, br*bcn, m*n // per-batch sizes; also the leading dims below
	lda, ldb := ac, bcn
	perBatch(batch, func(i int) {
		g.gemm(transA, transB, m, n, k, 1, ad[i*sa:], lda, bd[i*sb:], ldb, 0, cd[i*sc:], n)
	})
	if !g.needsGrad(a, b) {
		return out
	}
	return g.record(out, func() {
		gc := out.Grad
		if ga := g.GradOf(a); ga != nil {
			perBatch(batch, func(i int) {
				dc, bb, da := gc[i*sc:], bd[i*sb:], ga[i*sa:]
				if !transA { // dA = dC·op(B)ᵀ
					g.gemm(false, !transB, m, k, n, 1, dc, n, bb, ldb, 1, da, lda)
				} else { // dA = op(B)·dCᵀ
					g.gemm(transB, true, k, m, n, 1, bb, ldb, dc, n, 1, da, lda)
				}
			})
		}
		if gb := g.GradOf(b); gb != nil {
			perBatch(batch, func(i int) {
				dc, aa, db := gc[i*sc:], ad[i*sa:], gb[i*sb:]
				if !transB { // dB = op(A)ᵀ·dC
					g.gemm(!transA, false, k, n, m, 1, aa, lda, dc, n, 1, db, ldb)
				} else { // dB = dCᵀ·op(A)
					g.gemm(true, transA, n, k, m, 1, dc, n, aa, lda, 1, db, ldb)
				}
			})
		}
	}, false, a, b) // backward reads a and b, not out
}

// perBatch runs fn for every batch index; batches go to separate workers
// and a single matrix keeps the whole pool for Sgemm's own parallelism.
func perBatch(batch int, fn func(i int)) {
	if batch == 1 {
		fn(0)
		return
	}
	parallel.For(batch, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}

// Linear is x·wᵀ + b for x [..., in], w [out, in] (PyTorch layout) and b
// [out] or nil; the result is [..., out].
func (g *Tape) Linear(x, w, b *Tensor) *Tensor {
	if len(x.Shape) == 0 || len(w.Shape) != 2 || x.Shape[len(x.Shape)-1] != w.Shape[1] {
		opPanic("Linear", "input %v does not fit weight %v (want [..., in] and [out, in])", x.Shape, w.Shape)
	}
	nOut, nIn := w.Shape[0], w.Shape[1]
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != nOut) {
		opPanic("Linear", "bias must be [%d] for weight %v, got %v", nOut, w.Shape, b.Shape)
	}
	rows := 0
	if nIn > 0 {
		rows = len(x.Data) / nIn
	} else {
		rows = numel(x.Shape[:len(x.Shape)-1])
	}
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), nOut)
	out := &Tensor{Data: g.AllocNoZero(rows * nOut), Shape: shape}
	xd, wd, y := x.Data, w.Data, out.Data
	switch { // the bias is the GEMM's epilogue
	case b == nil:
		g.gemm(false, true, rows, nOut, nIn, 1, xd, nIn, wd, nIn, 0, y, nOut)
	case g.roundsOperands(rows, nOut, nIn):
		simd.GemmBF16Bias(false, true, rows, nOut, nIn, 1, xd, nIn, wd, nIn, b.Data, y, nOut)
	default:
		simd.SgemmBias(false, true, rows, nOut, nIn, 1, xd, nIn, wd, nIn, b.Data, y, nOut)
	}
	if !g.needsGrad(x, w, b) {
		return out
	}
	// Backward reads x only for dw = dyᵀ·x: a bf16 GEMM on a bf16 tape,
	// so then x may be paged out to bf16 until backward (tape_paging.go).
	xRead := readsFull
	if g.roundsOperands(nOut, nIn, rows) {
		xRead = readsBF16
	}
	return g.recordReads(out, func() {
		gy := out.Grad
		if gx, fresh := g.gradForWrite(x); gx != nil { // dx = dy·w
			beta := float32(1)
			if fresh {
				beta = 0 // Sgemm then overwrites without reading
			}
			g.gemm(false, false, rows, nIn, nOut, 1, gy, nOut, wd, nIn, beta, gx, nIn)
		}
		if gw := g.GradOf(w); gw != nil { // dw = dyᵀ·x
			g.gemm(true, false, nOut, nIn, rows, 1, gy, nOut, x.Data, nIn, 1, gw, nIn)
		}
		if gb := g.GradOf(b); gb != nil { // db = column sums of dy
			parallel.For(nOut, 64, func(lo, hi int) {
				for r := range rows {
					addTo(gy[r*nOut+lo:r*nOut+hi], gb[lo:])
				}
			})
		}
	}, readsNone, []*Tensor{x, w, b}, []readKind{xRead, readsFull, readsNone})
}
