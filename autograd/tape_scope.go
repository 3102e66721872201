package autograd

// Mark is a point in the sequence of buffers a tape hands out (Tape.Mark).
type Mark int

// Mark returns the current point, for FreeSince.
func (g *Tape) Mark() Mark { return Mark(g.seq) }

// FreeSince lets an evaluation pass run in the memory of a few layers
// instead of all of them: with recording off it recycles every buffer taken
// since m except those of keep, so a model can call it after each block
// with the block's output. Tensors made since m other than keep must not be
// used afterwards. With recording on it does nothing, since backward needs
// the buffers.
func (g *Tape) FreeSince(m Mark, keep ...*Tensor) {
	if !g.noGrad {
		return
	}
	for key, o := range g.owned {
		if o.seq < int(m) || keeps(key, keep) {
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
