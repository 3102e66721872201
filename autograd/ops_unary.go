package autograd

import (
	"math"

	"github.com/mmpoison/mmpoison/simd"
)

// unaryKind selects the function of an elementwise unary op.
type unaryKind int

const (
	uExp unaryKind = iota
	uLog
	uSqrt
	uTanh
	uSigmoid
	uReLU
	uGELU
	uQuickGELU
)

// Exp returns e^a elementwise.
func (g *Tape) Exp(a *Tensor) *Tensor { return g.unary(uExp, a) }

// Log returns the natural logarithm elementwise.
func (g *Tape) Log(a *Tensor) *Tensor { return g.unary(uLog, a) }

// Sqrt returns the square root elementwise.
func (g *Tape) Sqrt(a *Tensor) *Tensor { return g.unary(uSqrt, a) }

// Tanh returns tanh elementwise.
func (g *Tape) Tanh(a *Tensor) *Tensor { return g.unary(uTanh, a) }

// Sigmoid returns 1/(1+e^-a) elementwise.
func (g *Tape) Sigmoid(a *Tensor) *Tensor { return g.unary(uSigmoid, a) }

// ReLU returns max(a, 0) elementwise (gradient 0 at 0, as PyTorch).
func (g *Tape) ReLU(a *Tensor) *Tensor { return g.unary(uReLU, a) }

// GELU is the exact GELU a·Φ(a) with the Gaussian CDF via erf.
func (g *Tape) GELU(a *Tensor) *Tensor { return g.unary(uGELU, a) }

// QuickGELU is OpenAI CLIP's approximation a·σ(1.702a).
func (g *Tape) QuickGELU(a *Tensor) *Tensor { return g.unary(uQuickGELU, a) }

func (g *Tape) unary(kind unaryKind, a *Tensor) *Tensor {
	return g.unaryTo(kind, a, g.AllocNoZero(len(a.Data)))
}

// unaryTo writes kind(a) into dst, which may be a's own data for ReLU
// (its backward reads only the output).
func (g *Tape) unaryTo(kind unaryKind, a *Tensor, dst []float32) *Tensor {
	out := &Tensor{Data: dst, Shape: append([]int(nil), a.Shape...)}
	x, y := a.Data, out.Data
	flatFor(len(x), func(lo, hi int) { unaryRow(kind, x[lo:hi], y[lo:hi]) })
	if !g.needsGrad(a) {
		return out
	}
	// ReLU's backward reads only the sign of its output, when it runs (so
	// the output may be paged out to bf16); GELU's reads only its input.
	inRead, outRead := readsFull, readsFull
	switch kind {
	case uReLU:
		inRead, outRead = readsNone, readsBF16
	case uGELU, uQuickGELU:
		outRead = readsNone
	}
	return g.recordReads(out, func() {
		ga, fresh := g.gradForWrite(a)
		if ga == nil {
			return
		}
		gy := out.Grad
		if fresh && kind == uGELU {
			flatFor(len(x), func(lo, hi int) { simd.GELUGrad(ga[lo:hi], gy[lo:hi], x[lo:hi]) })
			return
		}
		if kind == uReLU { // overwrites a fresh gradient: no clearing pass
			y := out.Data
			flatFor(len(y), func(lo, hi int) { simd.ReLUGrad(ga[lo:hi], gy[lo:hi], y[lo:hi], !fresh) })
			return
		}
		var tmp []float32 // workspace for kernels that overwrite rather than add
		if kind == uGELU || kind == uQuickGELU {
			tmp = g.AllocNoZero(len(x))
		}
		flatFor(len(x), func(lo, hi int) {
			if fresh {
				clear(ga[lo:hi]) // here rather than up front: in parallel and cache-warm
			}
			var t []float32
			if tmp != nil {
				t = tmp[lo:hi]
			}
			unaryGradRow(kind, x[lo:hi], y[lo:hi], gy[lo:hi], ga[lo:hi], t)
		})
		g.recycle(tmp)
	}, outRead, []*Tensor{a}, []readKind{inRead})
}

func unaryRow(kind unaryKind, x, y []float32) {
	y = y[:len(x)]
	switch kind {
	case uExp:
		simd.Exp(y, x)
	case uLog:
		for i, v := range x {
			y[i] = float32(math.Log(float64(v)))
		}
	case uSqrt:
		for i, v := range x {
			y[i] = float32(math.Sqrt(float64(v)))
		}
	case uTanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case uSigmoid:
		sigmoidScaledRow(1, x, y)
	case uReLU:
		simd.ReLU(y, x)
	case uGELU:
		simd.GELU(y, x)
	case uQuickGELU:
		simd.QuickGELU(y, x)
	}
}

// unaryGradRow adds gy·f'(x) into gx; y = f(x) is available for the ops
// whose derivative is cheapest from the output, and tmp (len(x)) is
// workspace for GELU and QuickGELU.
func unaryGradRow(kind unaryKind, x, y, gy, gx, tmp []float32) {
	gy, gx = gy[:len(x)], gx[:len(x)]
	switch kind {
	case uExp:
		for i := range x {
			gx[i] += gy[i] * y[i]
		}
	case uLog:
		for i, v := range x {
			gx[i] += gy[i] / v
		}
	case uSqrt:
		for i := range x {
			gx[i] += gy[i] * 0.5 / y[i]
		}
	case uTanh:
		for i := range x {
			gx[i] += gy[i] * (1 - y[i]*y[i])
		}
	case uSigmoid:
		for i := range x {
			gx[i] += gy[i] * y[i] * (1 - y[i])
		}
	case uReLU:
		simd.ReLUGrad(gx, gy, y, true)
	case uGELU:
		geluGradRow(x, gy, gx, tmp)
	case uQuickGELU:
		simd.QuickGELUGrad(tmp[:len(x)], gy, x)
		simd.Add(gx, gx, tmp[:len(x)])
	}
}

// Pow returns a^p elementwise (a must be positive unless p is an integer).
func (g *Tape) Pow(a *Tensor, p float32) *Tensor {
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	pf := float64(p)
	flatFor(len(x), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = float32(math.Pow(float64(x[i]), pf))
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
		flatFor(len(x), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				ga[i] += gy[i] * p * float32(math.Pow(float64(x[i]), pf-1))
			}
		})
	}, a)
}

// Clamp limits a to [lo, hi]; the gradient passes where lo <= a <= hi
// (bounds included, as PyTorch).
func (g *Tape) Clamp(a *Tensor, lo, hi float32) *Tensor {
	if lo > hi {
		opPanic("Clamp", "lo %g > hi %g for tensor %v", lo, hi, a.Shape)
	}
	out := g.NewTensor(a.Shape...)
	x, y := a.Data, out.Data
	flatFor(len(x), func(l, h int) {
		for i := l; i < h; i++ {
			y[i] = min(max(x[i], lo), hi)
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
		flatFor(len(x), func(l, h int) {
			for i := l; i < h; i++ {
				if x[i] >= lo && x[i] <= hi {
					ga[i] += gy[i]
				}
			}
		})
	}, a)
}
