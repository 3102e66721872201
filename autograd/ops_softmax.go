package autograd

import "github.com/mmpoison/mmpoison/simd"

// Softmax normalises the last axis: exp(a) / Σ exp(a).
func (g *Tape) Softmax(a *Tensor) *Tensor {
	rows, n := lastDim("Softmax", a)
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxRow(x[r*n:(r+1)*n], y[r*n:(r+1)*n])
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
		// dx = y ⊙ (dy − Σ dy⊙y)
		rowsFor(rows, n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				yr, gyr, gar := y[r*n:(r+1)*n], gy[r*n:(r+1)*n], ga[r*n:(r+1)*n]
				d := dot(gyr, yr)
				for i := range yr {
					gar[i] += yr[i] * (gyr[i] - d)
				}
			}
		})
	}, a)
}

// LogSoftmax is log(Softmax(a)) over the last axis, computed stably.
func (g *Tape) LogSoftmax(a *Tensor) *Tensor {
	rows, n := lastDim("LogSoftmax", a)
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr := y[r*n : (r+1)*n]
			lse := logSumExpRow(x[r*n:(r+1)*n], yr) // yr is workspace until overwritten
			for i, v := range x[r*n : (r+1)*n] {
				yr[i] = v - lse
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
		p := g.AllocNoZero(len(y)) // softmax = exp(y)
		// dx = dy − softmax·Σ dy
		rowsFor(rows, n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				yr, gyr, gar, pr := y[r*n:(r+1)*n], gy[r*n:(r+1)*n], ga[r*n:(r+1)*n], p[r*n:(r+1)*n]
				simd.Exp(pr, yr)
				addTo(gyr, gar)
				axpy(-sum(gyr), pr, gar)
			}
		})
		g.recycle(p)
	}, a)
}

// CrossEntropy is the mean over rows of −log softmax(logits)[target] for
// logits [N,C] and N class indices; the result is a scalar of shape [].
// targets is read again during Backward and must not change before it.
func (g *Tape) CrossEntropy(logits *Tensor, targets []int) *Tensor {
	if len(logits.Shape) != 2 {
		opPanic("CrossEntropy", "logits must be [N,C], got %v", logits.Shape)
	}
	rows, n := logits.Shape[0], logits.Shape[1]
	if len(targets) != rows {
		opPanic("CrossEntropy", "logits %v need %d targets, got %d", logits.Shape, rows, len(targets))
	}
	if rows == 0 {
		opPanic("CrossEntropy", "empty batch, logits %v", logits.Shape)
	}
	for i, t := range targets {
		if t < 0 || t >= n {
			opPanic("CrossEntropy", "target %d of row %d out of range [0,%d) for logits %v", t, i, n, logits.Shape)
		}
	}
	x := logits.Data
	record := g.needsGrad(logits)
	var lse []float32 // per-row log-sum-exp, kept for backward
	if record {
		lse = g.AllocNoZero(rows)
	}
	loss := g.Alloc(rows)
	scratch := g.AllocNoZero(len(x))
	rowsFor(rows, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			l := logSumExpRow(x[r*n:(r+1)*n], scratch[r*n:(r+1)*n])
			if lse != nil {
				lse[r] = l
			}
			loss[r] = l - x[r*n+targets[r]]
		}
	})
	var total float64
	for _, v := range loss {
		total += float64(v)
	}
	g.recycle(loss)
	g.recycle(scratch)
	out := &Tensor{Data: g.AllocNoZero(1), Shape: []int{}}
	out.Data[0] = float32(total / float64(rows))
	if !record {
		return out
	}
	return g.Record(out, func() {
		ga := g.GradOf(logits)
		if ga == nil {
			return
		}
		d := out.Grad[0] / float32(rows)
		p := g.AllocNoZero(len(x))
		// d/dx = (softmax(x) − onehot(target)) / N
		rowsFor(rows, n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				gar, pr := ga[r*n:(r+1)*n], p[r*n:(r+1)*n]
				expShifted(x[r*n:(r+1)*n], pr, -lse[r])
				axpy(d, pr, gar)
				gar[targets[r]] -= d
			}
		})
		g.recycle(p)
	}, logits)
}
