package autograd

import "github.com/mmpoison/mmpoison/internal/parallel"

// Embedding looks up rows of w [V,D] for ids and returns [len(ids), D].
// ids is read again during Backward and must not change before it.
func (g *Tape) Embedding(w *Tensor, ids []int) *Tensor {
	if len(w.Shape) != 2 {
		opPanic("Embedding", "weight must be [V,D], got %v", w.Shape)
	}
	v, d := w.Shape[0], w.Shape[1]
	for i, id := range ids {
		if id < 0 || id >= v {
			opPanic("Embedding", "id %d at position %d out of range for weight %v", id, i, w.Shape)
		}
	}
	out := &Tensor{Data: g.AllocNoZero(len(ids) * d), Shape: []int{len(ids), d}}
	wd, y := w.Data, out.Data
	rowsFor(len(ids), d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(y[i*d:(i+1)*d], wd[ids[i]*d:])
		}
	})
	if !g.needsGrad(w) {
		return out
	}
	return g.Record(out, func() {
		gw := g.GradOf(w)
		if gw == nil {
			return
		}
		gy := out.Grad
		// Repeated ids add into the same row: split columns, not rows.
		parallel.For(d, 64, func(lo, hi int) {
			for i, id := range ids {
				addTo(gy[i*d+lo:i*d+hi], gw[id*d+lo:])
			}
		})
	}, w)
}

// Gather picks one position per batch item: for x [B,T,D] and idx of
// length B it returns [B,D] with row b = x[b, idx[b], :]. CLIP's text tower
// uses it to pool the features at each caption's end-of-text token.
// idx is read again during Backward and must not change before it.
func (g *Tape) Gather(x *Tensor, idx []int) *Tensor {
	if len(x.Shape) != 3 {
		opPanic("Gather", "input must be [B,T,D], got %v", x.Shape)
	}
	b, t, d := x.Shape[0], x.Shape[1], x.Shape[2]
	if len(idx) != b {
		opPanic("Gather", "input %v needs %d indices, got %d", x.Shape, b, len(idx))
	}
	for i, p := range idx {
		if p < 0 || p >= t {
			opPanic("Gather", "index %d for batch item %d out of range for input %v", p, i, x.Shape)
		}
	}
	out := &Tensor{Data: g.AllocNoZero(b * d), Shape: []int{b, d}}
	xd, y := x.Data, out.Data
	for i, p := range idx {
		copy(y[i*d:(i+1)*d], xd[(i*t+p)*d:])
	}
	if !g.needsGrad(x) {
		return out
	}
	return g.Record(out, func() {
		gx := g.GradOf(x)
		if gx == nil {
			return
		}
		for i, p := range idx {
			addTo(out.Grad[i*d:(i+1)*d], gx[(i*t+p)*d:])
		}
	}, x)
}
