package autograd

import (
	"unsafe"

	"github.com/mmpoison/mmpoison/simd"
)

// Paging activations out between forward and backward. A training step's
// memory peaks at the end of the forward pass, when every activation that
// some backward will read is still held. Many are held for nothing or for
// little:
//
//   - some are read by no backward at all (a linear layer's output that
//     only feeds a residual add, batch norm's output under an in-place ReLU
//     that the shortcut branch adds to): FreeSince recycles them as soon as
//     their block is done;
//   - on a bf16 tape, many are read only as operands of bf16 GEMMs (the
//     input of a linear layer or convolution, for the weight gradient) or
//     only for their sign (ReLU's output): FreeSince stores them as bf16 in
//     half the memory, and Backward widens them back into a fresh buffer
//     just before the first backward that reads them.
//
// Ops declare how their backward reads each tensor (recordReads), so the
// choice is made per buffer, over every tensor that shares it (Reshape
// views, in-place results). Widening a bf16 value is exact, and the GEMMs
// round their operands to the same bf16 values, so the step computes the
// same bits as without paging. The one exception is float32 denormals
// (|x| < 2^-126): they are stored as the smallest bf16 denormal of their
// sign, which keeps ReLU's mask; the bf16 GEMM kernels read both as zero.

// pageMinFloats is the smallest buffer worth paging: below it the pass
// costs more than the memory is worth.
const pageMinFloats = arenaMinFloats

// pagedBuf is a buffer stored as bf16 until the backward at tape index at.
type pagedBuf struct {
	packed      []float32 // tape buffer of the values as bf16 pairs; nil once paged in
	n, at       int       // floats of the buffer; tape index of its first reader in backward
	first, last int       // the tensors sharing it are g.pagedViews[first:last]
}

// pageOut recycles or packs the intermediates recorded since m (FreeSince).
func (g *Tape) pageOut(m Mark, keep []*Tensor) {
	nodes := g.nodes[m.node:]
	for i, head := range nodes {
		if head.borrowsData || len(head.Data) < pageMinFloats {
			continue
		}
		key := &head.Data[0]
		if o, ok := g.owned[key]; !ok || o.seq < m.seq || keeps(key, keep) {
			continue // not this block's buffer, or still needed forward
		}
		first := len(g.pagedViews)
		kind, at := head.dataRead, head.lastReader
		g.pagedViews = append(g.pagedViews, head)
		for _, t := range nodes[i+1:] {
			if len(t.Data) > 0 && &t.Data[0] == key {
				g.pagedViews = append(g.pagedViews, t)
				kind, at = max(kind, t.dataRead), max(at, t.lastReader)
			}
		}
		views := g.pagedViews[first:]
		switch {
		case kind == readsNone:
			g.pagedOut += len(head.Data)
			g.recycle(head.Data)
			dropData(views)
			g.pagedViews = g.pagedViews[:first]
		case kind == readsBF16 && g.precision == BF16:
			n := len(head.Data)
			packed := g.AllocNoZero((n + 1) / 2)
			storeBF16(bf16View(packed, n), head.Data)
			g.recycle(head.Data)
			g.pagedOut += n - len(packed)
			dropData(views)
			g.paged = append(g.paged, pagedBuf{packed: packed, n: n, at: at, first: first, last: len(g.pagedViews)})
		default:
			g.pagedViews = g.pagedViews[:first]
		}
	}
}

// pageIn widens the buffers whose first backward reader is the op at tape
// index i, before that op runs.
func (g *Tape) pageIn(i int) {
	for k := range g.paged {
		p := &g.paged[k]
		if p.at != i || p.packed == nil {
			continue
		}
		buf := g.AllocNoZero(p.n)
		loadBF16(buf, bf16View(p.packed, p.n))
		g.recycle(p.packed)
		p.packed = nil
		for _, t := range g.pagedViews[p.first:p.last] {
			t.Data = buf[:numel(t.Shape)]
		}
	}
}

// dropData detaches tensors from a buffer that has been recycled: a stray
// read then fails loudly instead of seeing another tensor's values.
func dropData(views []*Tensor) {
	for _, t := range views {
		t.Data = nil
	}
}

// bf16View is the first n bf16 slots of a float32 buffer of (n+1)/2 floats.
func bf16View(b []float32, n int) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
}

// storeBF16 rounds src into dst as the bf16 GEMMs round their operands,
// keeping the sign of non-zero denormals (simd.ToBF16Sticky).
func storeBF16(dst []uint16, src []float32) {
	flatFor(len(src), func(lo, hi int) { simd.ToBF16Sticky(dst[lo:hi], src[lo:hi]) })
}

// loadBF16 widens src into dst (exact).
func loadBF16(dst []float32, src []uint16) {
	flatFor(len(src), func(lo, hi int) { simd.FromBF16(dst[lo:hi], src[lo:hi]) })
}
