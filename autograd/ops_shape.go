package autograd

// Reshape returns x with a new shape of the same size; -1 once infers a
// dimension. The result shares x's data and, when recorded, x's gradient
// buffer, so it costs no copy in either direction.
func (g *Tape) Reshape(x *Tensor, shape ...int) *Tensor {
	ns := append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range ns {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			opPanic("Reshape", "bad target shape %v for %v (only one -1 allowed, no other negatives)", shape, x.Shape)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(x.Data)%known != 0 {
			opPanic("Reshape", "cannot infer -1 in %v for %v (%d elements)", shape, x.Shape, len(x.Data))
		}
		ns[infer] = len(x.Data) / known
	}
	if numel(ns) != len(x.Data) {
		opPanic("Reshape", "shape %v has %d elements, input %v has %d", shape, numel(ns), x.Shape, len(x.Data))
	}
	out := &Tensor{Data: x.Data, Shape: ns, borrowsData: true}
	if !g.needsGrad(x) {
		return out
	}
	g.Record(out, func() {}, x)
	out.gradOwner = x // gradients land straight in x's buffer, taken when first needed
	return out
}

// Transpose swaps two dimensions (negative counts from the end), copying.
func (g *Tape) Transpose(x *Tensor, dim0, dim1 int) *Tensor {
	d0 := normAxis("Transpose", dim0, len(x.Shape))
	d1 := normAxis("Transpose", dim1, len(x.Shape))
	perm := make([]int, len(x.Shape))
	for i := range perm {
		perm[i] = i
	}
	perm[d0], perm[d1] = d1, d0
	return g.permute("Transpose", x, perm)
}

// Permute reorders the dimensions: output dimension i is input dimension perm[i].
func (g *Tape) Permute(x *Tensor, perm ...int) *Tensor { return g.permute("Permute", x, perm) }

func (g *Tape) permute(op string, x *Tensor, perm []int) *Tensor {
	nd := len(x.Shape)
	if len(perm) != nd {
		opPanic(op, "permutation %v for shape %v has the wrong length", perm, x.Shape)
	}
	seen := make([]bool, nd)
	for _, p := range perm {
		if p < 0 || p >= nd || seen[p] {
			opPanic(op, "%v is not a permutation of the dimensions of %v", perm, x.Shape)
		}
		seen[p] = true
	}
	inStride := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		inStride[i] = s
		s *= x.Shape[i]
	}
	shape := make([]int, nd)
	stride := make([]int, nd) // input stride along each output dimension
	for i, p := range perm {
		shape[i], stride[i] = x.Shape[p], inStride[p]
	}
	out := &Tensor{Data: g.AllocNoZero(len(x.Data)), Shape: shape}
	pc := permCopy{shape: shape, stride: stride}
	xd, y := x.Data, out.Data
	pc.run(func(o, i, n, st int) {
		yr := y[o : o+n]
		for j := range yr {
			yr[j] = xd[i+j*st]
		}
	})
	if !g.needsGrad(x) {
		return out
	}
	return g.Record(out, func() {
		gx := g.GradOf(x)
		if gx == nil {
			return
		}
		gy := out.Grad
		pc.run(func(o, i, n, st int) {
			gr := gy[o : o+n]
			for j, v := range gr {
				gx[i+j*st] += v
			}
		})
	}, x)
}

// permCopy walks an output in row-major order and its strided source.
type permCopy struct {
	shape, stride []int
}

// run calls fn for each innermost output row: output offset, input offset,
// row length and input stride along the row. Each output row maps to
// distinct input elements, so rows run in parallel safely.
func (pc permCopy) run(fn func(o, i, n, st int)) {
	nd := len(pc.shape)
	if nd == 0 {
		fn(0, 0, 1, 1)
		return
	}
	n, st := pc.shape[nd-1], pc.stride[nd-1]
	if n == 0 {
		return
	}
	rows := numel(pc.shape) / n
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			in, rr := 0, r
			for k := nd - 2; k >= 0; k-- {
				in += (rr % pc.shape[k]) * pc.stride[k]
				rr /= pc.shape[k]
			}
			fn(r*n, in, n, st)
		}
	})
}

// Concat joins tensors along axis; all other dimensions must match.
func (g *Tape) Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		opPanic("Concat", "no tensors")
	}
	first := ts[0].Shape
	axis = normAxis("Concat", axis, len(first))
	total := 0
	for _, t := range ts {
		ok := len(t.Shape) == len(first)
		for i := 0; ok && i < len(first); i++ {
			ok = i == axis || t.Shape[i] == first[i]
		}
		if !ok {
			opPanic("Concat", "shape %v does not match %v outside axis %d", t.Shape, first, axis)
		}
		total += t.Shape[axis]
	}
	shape := append([]int(nil), first...)
	shape[axis] = total
	outer, _, inner := splitAt(shape, axis)
	out := &Tensor{Data: g.AllocNoZero(numel(shape)), Shape: shape}
	y := out.Data
	rowLen := total * inner
	rowsFor(outer, rowLen, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			at := o * rowLen
			for _, t := range ts {
				w := t.Shape[axis] * inner
				copy(y[at:at+w], t.Data[o*w:(o+1)*w])
				at += w
			}
		}
	})
	if !g.needsGrad(ts...) {
		return out
	}
	return g.Record(out, func() {
		gy := out.Grad
		at := 0
		for _, t := range ts {
			w := t.Shape[axis] * inner
			if gt := g.GradOf(t); gt != nil {
				start := at
				rowsFor(outer, rowLen, func(lo, hi int) {
					for o := lo; o < hi; o++ {
						addTo(gy[o*rowLen+start:o*rowLen+start+w], gt[o*w:(o+1)*w])
					}
				})
			}
			at += w
		}
	}, ts...)
}

// Slice keeps indices [lo, hi) of axis, copying.
func (g *Tape) Slice(x *Tensor, axis, lo, hi int) *Tensor {
	axis = normAxis("Slice", axis, len(x.Shape))
	if lo < 0 || hi > x.Shape[axis] || lo > hi {
		opPanic("Slice", "range [%d,%d) out of bounds for axis %d of %v", lo, hi, axis, x.Shape)
	}
	outer, n, inner := splitAt(x.Shape, axis)
	shape := append([]int(nil), x.Shape...)
	shape[axis] = hi - lo
	out := &Tensor{Data: g.AllocNoZero(numel(shape)), Shape: shape}
	w, off, src := (hi-lo)*inner, lo*inner, n*inner
	xd, y := x.Data, out.Data
	rowsFor(outer, w, func(a, b int) {
		for o := a; o < b; o++ {
			copy(y[o*w:(o+1)*w], xd[o*src+off:])
		}
	})
	if !g.needsGrad(x) {
		return out
	}
	return g.Record(out, func() {
		gx := g.GradOf(x)
		if gx == nil {
			return
		}
		gy := out.Grad
		rowsFor(outer, w, func(a, b int) {
			for o := a; o < b; o++ {
				addTo(gy[o*w:(o+1)*w], gx[o*src+off:])
			}
		})
	}, x)
}
