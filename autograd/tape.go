package autograd

import (
	"fmt"
	"github.com/mmpoison/mmpoison/internal/hugepages"
)

// Tape records operations for one forward pass and runs them backwards.
//
// A Tape is not safe for concurrent use; kernels inside an op may use the
// worker pool. The zero Tape is not ready: use NewTape.
type Tape struct {
	nodes       []*Tensor
	noGrad      bool
	releaseData bool // Backward recycles intermediates' data (SetReleaseData)

	// Buffers (tape_pool.go): free small ones by capacity, the arena of
	// large ones, and every buffer handed out, by its first element.
	pool      map[int][][]float32
	arena     arena
	owned     map[*float32]ownedBuf
	inUse     int // floats in owned
	seq       int // buffers handed out so far (Mark)
	peakInUse int

	precision  Precision  // arithmetic of matrix products (precision.go)
	paged      []pagedBuf // intermediates stored as bf16 until backward reads them (tape_paging.go)
	pagedViews []*Tensor  // the tensors sharing each paged buffer
	pagedOut   int        // floats released by paging since Reset
}

// NewTape returns an empty tape that records gradients.
func NewTape() *Tape {
	return &Tape{pool: map[int][][]float32{}, owned: map[*float32]ownedBuf{}}
}

// SetNoGrad turns recording off (evaluation) or on; it returns the old setting.
func (g *Tape) SetNoGrad(off bool) bool {
	old := g.noGrad
	g.noGrad = off
	return old
}

// SetReleaseData makes Backward also recycle the data of every
// intermediate tensor once the last backward that reads it has run, and
// set its Data to nil; the loss keeps its value. This lowers a training
// step's peak memory (gradients of early layers reuse late layers'
// activations) for loops that read only the loss after Backward. It
// returns the old setting.
func (g *Tape) SetReleaseData(on bool) bool {
	old := g.releaseData
	g.releaseData = on
	return old
}

// NoGrad reports whether recording is off.
func (g *Tape) NoGrad() bool { return g.noGrad }

// Alloc returns a zeroed buffer of n floats owned by the tape until Reset
// (or until Backward is done with it, for gradients and workspaces).
func (g *Tape) Alloc(n int) []float32 {
	b := g.AllocNoZero(n)
	clear(b)
	return b
}

// AllocNoZero is Alloc without clearing, for outputs that are fully overwritten.
func (g *Tape) AllocNoZero(n int) []float32 { return g.take(n) }

// NewTensor makes a tape-owned tensor with uninitialised data; ops that
// write every element use it for their output.
func (g *Tape) NewTensor(shape ...int) *Tensor {
	return &Tensor{Data: g.AllocNoZero(numel(shape)), Shape: append([]int(nil), shape...)}
}

// Record makes out a node of the graph if any input requires a gradient and
// recording is on. back reads out.Grad and adds into the inputs' gradients
// (obtained with GradOf). It returns out for chaining.
//
// Record assumes back may read the data of out and of every input, so
// in-place ops (ops_inplace.go) will not overwrite them afterwards.
func (g *Tape) Record(out *Tensor, back func(), inputs ...*Tensor) *Tensor {
	return g.record(out, back, true, inputs...)
}

// record is Record for ops that declare whether their backward reads
// out.Data (outRead); ops whose backward needs only their inputs pass
// false, which lets a following in-place op reuse out's buffer.
func (g *Tape) record(out *Tensor, back func(), outRead bool, inputs ...*Tensor) *Tensor {
	outKind := readsNone
	if outRead {
		outKind = readsFull
	}
	return g.recordReads(out, back, outKind, inputs, nil)
}

// readKind is how a recorded backward reads a tensor's Data.
type readKind uint8

const (
	// readsNone: not at all (at most its length or its gradient).
	readsNone readKind = iota
	// readsBF16: only when the backward runs (not through a slice taken
	// in the forward pass), and only as a bf16 GEMM operand or for its
	// sign, so a copy rounded by storeBF16 gives the same result. Such
	// tensors may be paged out to bf16 between forward and backward.
	readsBF16
	// readsFull: at full precision, or through a slice taken in the forward.
	readsFull
)

// recordReads is record with the reads spelled out: out's own backward
// reads out.Data as outRead, and inputs[i] as reads[i] (nil: all readsFull).
func (g *Tape) recordReads(out *Tensor, back func(), outRead readKind, inputs []*Tensor, reads []readKind) *Tensor {
	if g.noGrad || !anyRequiresGrad(inputs) {
		return out
	}
	out.requiresGrad = true
	out.backward = back
	at := len(g.nodes)
	out.noteRead(outRead, at)
	for i, in := range inputs {
		if in == nil {
			continue
		}
		if len(in.Data) == 0 && numel(in.Shape) > 0 {
			panic(fmt.Sprintf("autograd: %v was read after its data went back to the tape (FreeSince paged it out, or Backward released it): pass it to FreeSince as keep, or read it before", in))
		}
		kind := readsFull
		if reads != nil {
			kind = reads[i]
		}
		in.noteRead(kind, at)
	}
	g.nodes = append(g.nodes, out)
	return out
}

// noteRead records that the backward at tape index at reads t's data as kind.
func (t *Tensor) noteRead(kind readKind, at int) {
	if kind == readsNone {
		return
	}
	t.dataRead = max(t.dataRead, kind)
	t.lastReader = at
}

func anyRequiresGrad(ts []*Tensor) bool {
	for _, t := range ts {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// GradOf returns t's gradient buffer, allocating it zeroed if needed: a
// persistent buffer for leaves, a tape buffer for intermediates. It returns
// nil when t does not require a gradient, so backward functions skip it.
func (g *Tape) GradOf(t *Tensor) []float32 {
	if t == nil || !t.requiresGrad {
		return nil
	}
	t.gradZeroed = false
	if t.Grad == nil {
		if t.gradOwner != nil {
			t.Grad = g.GradOf(t.gradOwner)
			return t.Grad
		}
		if t.leaf {
			t.Grad = hugepages.Floats(len(t.Data))
		} else {
			t.Grad = g.Alloc(numel(t.Shape)) // Data may be paged out (tape_paging.go)
		}
	}
	return t.Grad
}

// Backward seeds d(loss)/d(loss) = 1 and propagates through the recorded ops
// in reverse order. loss must have one element.
//
// An intermediate's gradient is complete once every op that consumed it has
// run backwards, and dead once its own op has: Backward then hands the
// buffer back to the pool, so gradients of early layers reuse those of late
// ones, and sets Grad to nil. Call RetainGrad before Backward on tensors
// whose gradient you want to read afterwards.
func (g *Tape) Backward(loss *Tensor) {
	if len(loss.Data) != 1 {
		panic(fmt.Sprintf("autograd: Backward needs a scalar loss, got shape %v", loss.Shape))
	}
	if !loss.requiresGrad {
		panic("autograd: Backward on a loss that does not depend on any parameter")
	}
	g.GradOf(loss)[0] += 1
	for i := len(g.nodes) - 1; i >= 0; i-- {
		g.pageIn(i)
		n := g.nodes[i]
		if n.Grad != nil && n.backward != nil {
			n.backward()
			g.releaseGrad(n)
			if g.releaseData {
				g.releaseDataOf(n, loss)
			}
		}
	}
}

// releaseDataOf recycles n's data after n's backward has run: every op
// that reads it (n's own, its consumers') comes later on the tape and has
// already run. Tensors that borrow another's buffer (Reshape views,
// in-place results) leave it to the owner, which comes earlier.
func (g *Tape) releaseDataOf(n, loss *Tensor) {
	if n.leaf || n.borrowsData || len(n.Data) == 0 || &n.Data[0] == &loss.Data[0] {
		return
	}
	g.recycle(n.Data)
	n.Data = nil
}

// releaseGrad recycles n's gradient unless it is kept or borrowed from
// another tensor (Reshape), whose own op releases it.
func (g *Tape) releaseGrad(n *Tensor) {
	if n.leaf || n.retainGrad || n.gradOwner != nil {
		return
	}
	g.recycle(n.Grad)
	n.Grad = nil
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
	g.paged, g.pagedViews, g.pagedOut = g.paged[:0], g.pagedViews[:0], 0
	g.recycleAll()
}
