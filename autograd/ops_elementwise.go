package autograd

import (
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// binKind selects the arithmetic of a broadcasting binary op.
type binKind int

const (
	binAdd binKind = iota
	binSub
	binMul
	binDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

// Add returns a+b with NumPy broadcasting.
func (g *Tape) Add(a, b *Tensor) *Tensor { return g.binary(binAdd, a, b) }

// Sub returns a-b with NumPy broadcasting.
func (g *Tape) Sub(a, b *Tensor) *Tensor { return g.binary(binSub, a, b) }

// Mul returns a·b elementwise with NumPy broadcasting.
func (g *Tape) Mul(a, b *Tensor) *Tensor { return g.binary(binMul, a, b) }

// Div returns a/b elementwise with NumPy broadcasting.
func (g *Tape) Div(a, b *Tensor) *Tensor { return g.binary(binDiv, a, b) }

func (g *Tape) binary(kind binKind, a, b *Tensor) *Tensor { return g.binaryTo(kind, a, b, nil) }

// binaryTo writes a (kind) b into dst, a fresh tape buffer when dst is nil.
// dst may be a's data when a has the output's shape: each element is read
// before it is written.
func (g *Tape) binaryTo(kind binKind, a, b *Tensor, dst []float32) *Tensor {
	bc := newBcast(binNames[kind], a.Shape, b.Shape)
	if dst == nil {
		dst = g.AllocNoZero(bc.n)
	}
	out := &Tensor{Data: dst, Shape: bc.out}
	ad, bd, od := a.Data, b.Data, out.Data
	_, sa, sb := bc.inner()
	bc.eachRow(false, func(o, ia, ib, n int) {
		binRow(kind, od[o:o+n], ad[ia:], sa, bd[ib:], sb)
	})
	if !g.needsGrad(a, b) {
		return out
	}
	// Add and Sub read no data in backward; Mul reads both inputs, and
	// Div the output too (d(a/b)/db = -out/b).
	inRead, outRead := readsNone, readsNone
	if kind == binMul || kind == binDiv {
		inRead = readsFull
	}
	if kind == binDiv {
		outRead = readsFull
	}
	return g.recordReads(out, func() {
		gy := out.Grad
		if ga, fresh := g.gradForWrite(a); ga != nil {
			serial := reduces(bc.n, len(ad))
			if fresh && serial {
				clear(ga)
			}
			bc.eachRow(serial, func(o, ia, ib, n int) {
				if fresh && !serial {
					clear(ga[ia : ia+n]) // this row is ga's only writer
				}
				binGradA(kind, gy[o:o+n], ga[ia:], sa, bd[ib:], sb)
			})
		}
		if gb, fresh := g.gradForWrite(b); gb != nil {
			serial := reduces(bc.n, len(bd))
			if fresh && serial {
				clear(gb)
			}
			bc.eachRow(serial, func(o, ia, ib, n int) {
				if fresh && !serial {
					clear(gb[ib : ib+n])
				}
				binGradB(kind, gy[o:o+n], gb[ib:], sb, ad[ia:], sa, bd[ib:], od[o:o+n])
			})
		}
	}, outRead, []*Tensor{a, b}, []readKind{inRead, inRead})
}

// eachRow calls fn(o, ia, ib, n) for every innermost row of n elements
// starting at output offset o and operand offsets ia, ib; rows run in
// parallel unless serial is set (the target gradient is summed over
// broadcast rows). A single long row (same shapes, or one operand a scalar)
// is cut into pieces so it parallelises too. This is the one shared place
// where broadcast gradients are reduced back to their operand's shape.
func (bc *bcast) eachRow(serial bool, fn func(o, ia, ib, n int)) {
	n, sa, sb := bc.inner()
	if serial {
		for r := range bc.rows() {
			o, ia, ib := bc.offsets(r)
			fn(o, ia, ib, n)
		}
		return
	}
	if len(bc.dims) == 1 {
		flatFor(n, func(lo, hi int) { fn(lo, lo*sa, lo*sb, hi-lo) })
		return
	}
	parallel.For(bc.rows(), bc.rowGrainFor(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, ia, ib := bc.offsets(r)
			fn(o, ia, ib, n)
		}
	})
}

// binRow computes one output row; sa and sb are 0 (broadcast) or 1.
func binRow(kind binKind, y, a []float32, sa int, b []float32, sb int) {
	if sa == 1 && sb == 1 { // the common same-shape and [B,T,D]+[D] rows
		switch kind {
		case binAdd:
			simd.Add(y, a[:len(y)], b[:len(y)])
			return
		case binMul:
			simd.Mul(y, a[:len(y)], b[:len(y)])
			return
		}
	}
	ia, ib := 0, 0
	switch kind {
	case binAdd:
		for i := range y {
			y[i] = a[ia] + b[ib]
			ia += sa
			ib += sb
		}
	case binSub:
		for i := range y {
			y[i] = a[ia] - b[ib]
			ia += sa
			ib += sb
		}
	case binMul:
		for i := range y {
			y[i] = a[ia] * b[ib]
			ia += sa
			ib += sb
		}
	case binDiv:
		for i := range y {
			y[i] = a[ia] / b[ib]
			ia += sa
			ib += sb
		}
	}
}

// binGradA adds d(out)/d(a)·gy into ga along one row.
func binGradA(kind binKind, gy, ga []float32, sa int, b []float32, sb int) {
	ia, ib := 0, 0
	switch kind {
	case binAdd, binSub:
		if sa == 1 {
			addTo(gy, ga)
			return
		}
		ga[0] += sum(gy)
	case binMul:
		if sa == 0 && sb == 1 {
			ga[0] += dot(gy, b)
			return
		}
		if sa == 1 && sb == 0 {
			axpy(b[0], gy, ga)
			return
		}
		for i := range gy {
			ga[ia] += gy[i] * b[ib]
			ia += sa
			ib += sb
		}
	case binDiv:
		for i := range gy {
			ga[ia] += gy[i] / b[ib]
			ia += sa
			ib += sb
		}
	}
}

// binGradB adds d(out)/d(b)·gy into gb along one row; y is the op's output
// (Div uses d(a/b)/db = -y/b).
func binGradB(kind binKind, gy, gb []float32, sb int, a []float32, sa int, b, y []float32) {
	ia, ib := 0, 0
	switch kind {
	case binAdd:
		if sb == 1 {
			addTo(gy, gb)
			return
		}
		gb[0] += sum(gy)
	case binSub:
		if sb == 1 {
			axpy(-1, gy, gb)
			return
		}
		gb[0] -= sum(gy)
	case binMul:
		if sb == 0 && sa == 1 {
			gb[0] += dot(gy, a)
			return
		}
		if sb == 1 && sa == 0 {
			axpy(a[0], gy, gb)
			return
		}
		for i := range gy {
			gb[ib] += gy[i] * a[ia]
			ia += sa
			ib += sb
		}
	case binDiv:
		for i := range gy {
			gb[ib] -= gy[i] * y[i] / b[ib]
			ib += sb
		}
	}
}

// AddScalar returns a+s.
func (g *Tape) AddScalar(a *Tensor, s float32) *Tensor {
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	flatFor(len(x), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = x[i] + s
		}
	})
	if !g.needsGrad(a) {
		return out
	}
	return g.recordReads(out, func() { // reads no data
		if ga := g.GradOf(a); ga != nil {
			addTo(out.Grad, ga)
		}
	}, readsNone, []*Tensor{a}, []readKind{readsNone})
}

// MulScalar returns a·s.
func (g *Tape) MulScalar(a *Tensor, s float32) *Tensor {
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	flatFor(len(x), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = x[i] * s
		}
	})
	if !g.needsGrad(a) {
		return out
	}
	return g.recordReads(out, func() { // reads no data
		if ga := g.GradOf(a); ga != nil {
			axpy(s, out.Grad, ga)
		}
	}, readsNone, []*Tensor{a}, []readKind{readsNone})
}
