package autograd

import "fmt"

// Tape records operations for one forward pass and runs them backwards.
//
// A Tape is not safe for concurrent use; kernels inside an op may use the
// worker pool. The zero Tape is not ready: use NewTape.
type Tape struct {
	nodes  []*Tensor
	noGrad bool
	pool   map[int][][]float32 // free buffers by length
	owned  [][]float32         // buffers handed out since the last Reset

	precision Precision // arithmetic of matrix products (precision.go)
}

// NewTape returns an empty tape that records gradients.
func NewTape() *Tape { return &Tape{pool: map[int][][]float32{}} }

// SetNoGrad turns recording off (evaluation) or on; it returns the old setting.
func (g *Tape) SetNoGrad(off bool) bool {
	old := g.noGrad
	g.noGrad = off
	return old
}

// NoGrad reports whether recording is off.
func (g *Tape) NoGrad() bool { return g.noGrad }

// Alloc returns a zeroed buffer of n floats owned by the tape until Reset.
func (g *Tape) Alloc(n int) []float32 {
	b := g.AllocNoZero(n)
	clear(b)
	return b
}

// AllocNoZero is Alloc without clearing, for outputs that are fully overwritten.
func (g *Tape) AllocNoZero(n int) []float32 {
	var b []float32
	if free := g.pool[n]; len(free) > 0 {
		b = free[len(free)-1]
		g.pool[n] = free[:len(free)-1]
	} else {
		b = make([]float32, n)
	}
	g.owned = append(g.owned, b)
	return b
}

// NewTensor makes a tape-owned tensor with uninitialised data; ops that
// write every element use it for their output.
func (g *Tape) NewTensor(shape ...int) *Tensor {
	return &Tensor{Data: g.AllocNoZero(numel(shape)), Shape: append([]int(nil), shape...)}
}

// Record makes out a node of the graph if any input requires a gradient and
// recording is on. back reads out.Grad and adds into the inputs' gradients
// (obtained with GradOf). It returns out for chaining.
func (g *Tape) Record(out *Tensor, back func(), inputs ...*Tensor) *Tensor {
	if g.noGrad {
		return out
	}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			out.requiresGrad = true
			out.backward = back
			g.nodes = append(g.nodes, out)
			return out
		}
	}
	return out
}

// GradOf returns t's gradient buffer, allocating it zeroed if needed: a
// persistent buffer for leaves, a tape buffer for intermediates. It returns
// nil when t does not require a gradient, so backward functions skip it.
func (g *Tape) GradOf(t *Tensor) []float32 {
	if t == nil || !t.requiresGrad {
		return nil
	}
	if t.Grad == nil {
		if t.leaf {
			t.Grad = make([]float32, len(t.Data))
		} else {
			t.Grad = g.Alloc(len(t.Data))
		}
	}
	return t.Grad
}

// Backward seeds d(loss)/d(loss) = 1 and propagates through the recorded ops
// in reverse order. loss must have one element.
func (g *Tape) Backward(loss *Tensor) {
	if len(loss.Data) != 1 {
		panic(fmt.Sprintf("autograd: Backward needs a scalar loss, got shape %v", loss.Shape))
	}
	if !loss.requiresGrad {
		panic("autograd: Backward on a loss that does not depend on any parameter")
	}
	g.GradOf(loss)[0] += 1
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		if n.Grad != nil && n.backward != nil {
			n.backward()
		}
	}
}

// Reset forgets the recorded graph and takes back every buffer it handed
// out. Tensors made by the tape must not be used afterwards; leaves keep
// their gradients (clear them with ZeroGrad).
func (g *Tape) Reset() {
	for _, n := range g.nodes {
		n.backward = nil
		n.Grad = nil
	}
	g.nodes = g.nodes[:0]
	for _, b := range g.owned {
		g.pool[len(b)] = append(g.pool[len(b)], b)
	}
	g.owned = g.owned[:0]
}
