package autograd

// gradForWrite is GradOf for backward passes that can overwrite the
// gradient: when t is an intermediate whose gradient buffer does not exist
// yet, it is taken from the tape without zeroing and fresh is true, and
// the caller must then write (not add) every element. Skipping that
// clear saves a pass over memory for most activations of a step. Later
// callers for the same tensor (it feeds several ops) get fresh false.
func (g *Tape) gradForWrite(t *Tensor) (buf []float32, fresh bool) {
	if t == nil || !t.requiresGrad {
		return nil, false
	}
	if t.Grad == nil && t.gradOwner != nil {
		t.Grad, fresh = g.gradForWrite(t.gradOwner)
		return t.Grad, fresh
	}
	if t.Grad == nil && !t.leaf {
		t.Grad = g.AllocNoZero(numel(t.Shape)) // Data may be paged out (tape_paging.go)
		return t.Grad, true
	}
	return g.GradOf(t), false
}
