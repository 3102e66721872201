package autograd

// reducedShape drops axis (or sets it to 1 when keepDim).
func reducedShape(shape []int, axis int, keepDim bool) []int {
	out := make([]int, 0, len(shape))
	out = append(out, shape[:axis]...)
	if keepDim {
		out = append(out, 1)
	}
	return append(out, shape[axis+1:]...)
}

// Sum adds a along axis (negative counts from the end).
func (g *Tape) Sum(a *Tensor, axis int, keepDim bool) *Tensor {
	return g.sumScaled("Sum", a, axis, keepDim, false)
}

// Mean averages a along axis (negative counts from the end).
func (g *Tape) Mean(a *Tensor, axis int, keepDim bool) *Tensor {
	return g.sumScaled("Mean", a, axis, keepDim, true)
}

func (g *Tape) sumScaled(op string, a *Tensor, axis int, keepDim, mean bool) *Tensor {
	axis = normAxis(op, axis, len(a.Shape))
	outer, n, inner := splitAt(a.Shape, axis)
	scale := float32(1)
	if mean && n > 0 {
		scale = 1 / float32(n)
	}
	out := &Tensor{Data: g.Alloc(outer * inner), Shape: reducedShape(a.Shape, axis, keepDim)}
	x, y := a.Data, out.Data
	rowsFor(outer, n*inner, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yr := y[o*inner : (o+1)*inner]
			for j := range n {
				addTo(x[(o*n+j)*inner:(o*n+j+1)*inner], yr)
			}
			if scale != 1 {
				for i := range yr {
					yr[i] *= scale
				}
			}
		}
	})
	if !g.needsGrad(a) {
		return out
	}
	return g.Record(out, func() {
		ga := g.GradOf(a)
		if ga == nil {
			return
		}
		gy := out.Grad
		rowsFor(outer, n*inner, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				gr := gy[o*inner : (o+1)*inner]
				for j := range n {
					axpy(scale, gr, ga[(o*n+j)*inner:(o*n+j+1)*inner])
				}
			}
		})
	}, a)
}

// Max takes the maximum of a along axis; the gradient goes to the first
// maximal element, as PyTorch's max(dim) does.
func (g *Tape) Max(a *Tensor, axis int, keepDim bool) *Tensor {
	axis = normAxis("Max", axis, len(a.Shape))
	outer, n, inner := splitAt(a.Shape, axis)
	if n == 0 {
		opPanic("Max", "axis %d of shape %v is empty", axis, a.Shape)
	}
	out := &Tensor{Data: g.AllocNoZero(outer * inner), Shape: reducedShape(a.Shape, axis, keepDim)}
	x, y := a.Data, out.Data
	rowsFor(outer, n*inner, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yr := y[o*inner : (o+1)*inner]
			copy(yr, x[o*n*inner:])
			for j := 1; j < n; j++ {
				xr := x[(o*n+j)*inner : (o*n+j+1)*inner]
				for i, v := range xr {
					if v > yr[i] {
						yr[i] = v
					}
				}
			}
		}
	})
	if !g.needsGrad(a) {
		return out
	}
	// Backward finds the arg-max again by comparing with the output, so
	// nothing but the output is kept.
	return g.Record(out, func() {
		ga := g.GradOf(a)
		if ga == nil {
			return
		}
		gy := out.Grad
		rowsFor(outer, n*inner, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				for i := range inner {
					m := y[o*inner+i]
					for j := range n {
						if k := (o*n+j)*inner + i; x[k] == m {
							ga[k] += gy[o*inner+i]
							break
						}
					}
				}
			}
		})
	}, a)
}

// SumAll adds every element into a scalar of shape [].
func (g *Tape) SumAll(a *Tensor) *Tensor { return g.sumAll(a, 1) }

// MeanAll averages every element into a scalar of shape [].
func (g *Tape) MeanAll(a *Tensor) *Tensor {
	if len(a.Data) == 0 {
		opPanic("MeanAll", "empty tensor %v", a.Shape)
	}
	return g.sumAll(a, 1/float32(len(a.Data)))
}

func (g *Tape) sumAll(a *Tensor, scale float32) *Tensor {
	out := &Tensor{Data: g.AllocNoZero(1), Shape: []int{}}
	// Accumulate in float64: losses over large tensors lose digits otherwise.
	var s float64
	for lo := 0; lo < len(a.Data); lo += 4096 {
		s += float64(sum(a.Data[lo:min(lo+4096, len(a.Data))]))
	}
	out.Data[0] = float32(s) * scale
	if !g.needsGrad(a) {
		return out
	}
	return g.Record(out, func() {
		ga := g.GradOf(a)
		if ga == nil {
			return
		}
		d := out.Grad[0] * scale
		flatFor(len(ga), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				ga[i] += d
			}
		})
	}, a)
}
