// Package autograd holds float32 tensors and reverse-mode differentiation.
//
// Operations are methods of a Tape, which records them while the code runs.
// Tape.Backward walks the record in reverse from a scalar and accumulates
// gradients into every tensor that requires them. Tensors made by a tape
// borrow buffers from it: they are valid until Tape.Reset (or, on a tape
// with SetReleaseData, until Backward), which hands the buffers back for
// the next step, so a training loop does not allocate per step.
package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/internal/hugepages"
	"math"
)

// Tensor is a contiguous row-major float32 array with a shape.
type Tensor struct {
	Data  []float32
	Grad  []float32 // same length as Data once a gradient has reached it; nil before
	Shape []int

	requiresGrad bool
	leaf         bool     // made by New/Param, not by a tape: its Grad persists across Reset
	backward     func()   // propagates Grad to the inputs; nil for leaves
	retainGrad   bool     // keep Grad after Backward (RetainGrad)
	gradOwner    *Tensor  // whose gradient buffer this one shares (Reshape)
	dataRead     readKind // how recorded backwards read Data, the strongest: in-place ops overwrite only readsNone
	lastReader   int      // tape index of the last recorded op whose backward reads Data
	borrowsData  bool     // Data is another tensor's buffer (Reshape view, in-place result)
	gradZeroed   bool     // ZeroGrad cleared Grad and no backward has reached t since
	Name         string   // optional, for error messages and state dicts
}

// New wraps data (not copied) as a leaf tensor of the given shape.
func New(data []float32, shape ...int) *Tensor {
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("autograd.New: shape %v needs %d values, got %d", shape, n, len(data)))
	}
	return &Tensor{Data: data, Shape: append([]int(nil), shape...), leaf: true}
}

// Zeros is a leaf tensor of zeros.
func Zeros(shape ...int) *Tensor { return New(hugepages.Floats(numel(shape)), shape...) }

// Param is a zero-filled leaf tensor that requires gradients (a trainable parameter).
func Param(shape ...int) *Tensor {
	t := Zeros(shape...)
	t.requiresGrad = true
	return t
}

// Scalar is a 0-dimensional leaf tensor.
func Scalar(v float32) *Tensor { return New([]float32{v}) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("autograd: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Size is the number of elements.
func (t *Tensor) Size() int { return len(t.Data) }

// Dims is the number of dimensions.
func (t *Tensor) Dims() int { return len(t.Shape) }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// RequiresGrad reports whether gradients flow into t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf as trainable or frozen.
func (t *Tensor) SetRequiresGrad(b bool) {
	if !t.leaf {
		panic("autograd: SetRequiresGrad on a non-leaf tensor")
	}
	t.requiresGrad = b
}

// RetainGrad keeps the gradient of an intermediate tensor readable after
// Backward (until Reset); without it Backward recycles the buffer once
// the gradient has been propagated. Leaves always keep theirs.
func (t *Tensor) RetainGrad() {
	for ; t != nil; t = t.gradOwner {
		t.retainGrad = true
	}
}

// IsLeaf reports whether t was made outside a tape.
func (t *Tensor) IsLeaf() bool { return t.leaf }

// ZeroGrad clears an accumulated gradient (keeping its buffer).
func (t *Tensor) ZeroGrad() {
	for i := range t.Grad {
		t.Grad[i] = 0
	}
	t.gradZeroed = true
}

// HasGrad reports whether a gradient has reached t since the last
// ZeroGrad. The buffer outlives ZeroGrad (so steps do not allocate), which
// makes Grad != nil no answer: an optimiser must skip, as PyTorch does with
// grads set to None, a parameter that sat this backward out.
func (t *Tensor) HasGrad() bool { return t.Grad != nil && !t.gradZeroed }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("autograd: Item on tensor of shape %v", t.Shape))
	}
	return t.Data[0]
}

// Clone is a leaf copy of t's data and shape, detached from any tape.
func (t *Tensor) Clone() *Tensor {
	return New(append([]float32(nil), t.Data...), t.Shape...)
}

// HasNaN reports whether any value is NaN or infinite.
func (t *Tensor) HasNaN() bool {
	for _, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}

func (t *Tensor) String() string {
	if t.Name != "" {
		return fmt.Sprintf("Tensor(%s %v)", t.Name, t.Shape)
	}
	return fmt.Sprintf("Tensor(%v)", t.Shape)
}

// SameShape reports whether a and b have equal shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
