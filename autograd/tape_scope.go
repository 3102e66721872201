package autograd

// Mark is a point in a tape's history (Tape.Mark): the buffers handed out
// and the ops recorded so far.
type Mark struct{ seq, node int }

// Mark returns the current point, for FreeSince.
func (g *Tape) Mark() Mark { return Mark{seq: g.seq, node: len(g.nodes)} }

// FreeSince lets a pass run in less memory; a model calls it after each
// block with the block's output as keep. Tensors made since m other than
// keep must not be used afterwards (except by backward).
//
// With recording off (evaluation) it recycles every buffer taken since m
// except those of keep, so the pass holds a few layers, not all of them.
//
// With recording on and SetReleaseData (training) it pages out the
// intermediates recorded since m (tape_paging.go): buffers no backward
// reads are recycled at once, and on a bf16 tape buffers that backward
// reads only through bf16 rounding are kept as bf16 until it needs them.
// Either way backward computes exactly what it would have.
func (g *Tape) FreeSince(m Mark, keep ...*Tensor) {
	if !g.noGrad {
		if g.releaseData {
			g.pageOut(m, keep)
		}
		return
	}
	for key, o := range g.owned {
		if o.seq < m.seq || keeps(key, keep) {
			continue
		}
		g.recycle(o.buf)
	}
}

// keeps reports whether one of keep has its data in the buffer at key.
func keeps(key *float32, keep []*Tensor) bool {
	for _, t := range keep {
		if len(t.Data) > 0 && &t.Data[0] == key {
			return true
		}
	}
	return false
}
