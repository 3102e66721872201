package autograd

// In-place ops write their result into their first operand's buffer
// instead of taking a new one, as PyTorch's relu_ and add_ do. Call them
// only on a tensor you no longer need: its data changes, and every tensor
// sharing that buffer (Reshape views) sees the change.
//
// They overwrite only when that cannot break a gradient: the operand must
// be a tape buffer (never a leaf, whose data is a parameter or an input)
// that no recorded backward reads (see Tape.record: Conv2d, BatchNorm2d,
// Linear, MatMul, Add and Sub do not read their output). Otherwise they
// fall back to the ordinary op, so the result is always correct and only
// the memory saving is lost.

// ReLUInPlace is ReLU(a), reusing a's buffer when that is safe.
func (g *Tape) ReLUInPlace(a *Tensor) *Tensor {
	if !g.canOverwrite(a) {
		return g.ReLU(a)
	}
	// ReLU's backward masks with the output only, so losing the input is fine.
	out := g.unaryTo(uReLU, a, a.Data)
	out.borrowsData = true
	return out
}

// AddInPlace is Add(a, b), reusing a's buffer when that is safe and b
// broadcasts to a's shape.
func (g *Tape) AddInPlace(a, b *Tensor) *Tensor {
	if !g.canOverwrite(a) || !SameShape(newBcast("AddInPlace", a.Shape, b.Shape).out, a.Shape) {
		return g.Add(a, b)
	}
	out := g.binaryTo(binAdd, a, b, a.Data)
	out.borrowsData = true
	return out
}

// canOverwrite reports whether t's buffer belongs to this tape and no
// recorded backward will read it.
func (g *Tape) canOverwrite(t *Tensor) bool {
	return !t.leaf && t.dataRead == readsNone && g.owns(t.Data)
}
