package autograd

// How ops are written (files ops_*.go):
//   - forward writes a fresh tape buffer (g.NewTensor / g.AllocNoZero when
//     every element is written, g.Alloc when it accumulates);
//   - when g.needsGrad(inputs...) is false the op returns before saving
//     anything or building a closure, so evaluation under NoGrad is lean;
//   - backward closures fetch input gradients with g.GradOf (nil = skip) and
//     add into them; temporary buffers come from the tape, never make, and
//     go back with g.recycle as soon as the op is done with them;
//   - ops whose backward does not read their output record with
//     g.record(..., false, ...), so in-place ops may reuse that buffer;
//   - loops run over rows or flat ranges through parallel.For; inner loops
//     are the private kernels of ops_kernels.go, to be swapped for simd ones.

import (
	"fmt"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// Grain sizes for parallel.For: below these a loop runs on one goroutine
// because handing work to the pool costs more than it saves.
const (
	elemGrain = 1 << 14 // elements of a cheap elementwise loop
	rowGrain  = 1 << 13 // elements per chunk for row-wise kernels
)

// opPanic reports a shape or argument error in the agreed form
// "autograd: Op: ...".
func opPanic(op, format string, args ...any) {
	panic(fmt.Sprintf("autograd: %s: %s", op, fmt.Sprintf(format, args...)))
}

// needsGrad reports whether an op over inputs will be recorded, so ops can
// skip saving state for backward when it will never run.
func (g *Tape) needsGrad(inputs ...*Tensor) bool {
	if g.noGrad {
		return false
	}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			return true
		}
	}
	return false
}

// rowsFor runs fn over [0, rows) in parallel chunks sized so that each holds
// about rowGrain elements of rowLen.
func rowsFor(rows, rowLen int, fn func(lo, hi int)) {
	grain := rowGrain / max(rowLen, 1)
	parallel.For(rows, max(grain, 1), fn)
}

// flatFor runs a cheap elementwise loop over [0, n) in parallel chunks.
func flatFor(n int, fn func(lo, hi int)) { parallel.For(n, elemGrain, fn) }

// normAxis turns a possibly negative axis into an index into a shape of dims
// dimensions, panicking with the op name when it is out of range.
func normAxis(op string, axis, dims int) int {
	if axis < 0 {
		axis += dims
	}
	if axis < 0 || axis >= dims {
		opPanic(op, "axis %d out of range for %d dimensions", axis, dims)
	}
	return axis
}

// splitAt returns the products of the dimensions before, at and after axis.
func splitAt(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// lastDim returns the rows and length of the last axis, panicking for scalars.
func lastDim(op string, t *Tensor) (rows, n int) {
	if len(t.Shape) == 0 {
		opPanic(op, "needs at least one dimension, got a scalar")
	}
	n = t.Shape[len(t.Shape)-1]
	if n == 0 {
		return 0, 0
	}
	return len(t.Data) / n, n
}
