package simd

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// bf16SharedA is all of op(A) rounded and packed once, for the threads of a
// grid that splits C by columns and so all need the same A panels. Depth
// block d (rows [d·kc, d·kc+kc) of the depth) holds every row panel, each of
// pairSteps(kc) steps, starting at word offs[d].
//
// Nothing is packed up front: whichever thread first needs a unit of panels
// of a depth block claims and packs it, just before its first use, so the
// packing runs interleaved with the multiplies (as in the serial driver)
// and a worker that wakes late leaves its share to the others instead of
// holding them at a barrier.
type bf16SharedA struct {
	buf       []uint32
	offs      []int
	state     []atomic.Uint32 // per depth block and unit: unpacked, packing or packed
	rowPanels int
	unit      int // panels per claimed unit
	units     int // units per depth block
	// the source: op(A) is m×k
	kern   *bf16Kernel
	transA bool
	a      []float32
	lda    int
	m, k   int
}

const (
	unitUnpacked = iota
	unitPacking
	unitPacked
)

var bf16SharedPool = sync.Pool{New: func() any { return new(bf16SharedA) }}

// newSharedA sizes the shared buffer for op(A) (m×k) and marks every unit
// unpacked; the caller puts it back in bf16SharedPool when every reader is
// done.
func newSharedA(kern *bf16Kernel, transA bool, m, k int, a []float32, lda int) *bf16SharedA {
	s := bf16SharedPool.Get().(*bf16SharedA)
	mr := kern.mr
	s.kern, s.transA, s.a, s.lda, s.m, s.k = kern, transA, a, lda, m, k
	s.rowPanels = (m + mr - 1) / mr
	// Transposed A is packed row by row of a: a unit of several panels
	// reads runs of a few cache lines instead of one 12-float piece.
	s.unit = 1
	if transA {
		s.unit = max(1, 64/mr)
	}
	s.units = (s.rowPanels + s.unit - 1) / s.unit
	s.offs = s.offs[:0]
	words := 0
	for pc := 0; pc < k; pc += kern.kc {
		s.offs = append(s.offs, words)
		words += s.rowPanels * mr * kern.pairSteps(min(kern.kc, k-pc))
	}
	s.buf = growU32(s.buf, words)
	if n := len(s.offs) * s.units; cap(s.state) < n {
		s.state = make([]atomic.Uint32, n)
	} else {
		s.state = s.state[:n]
		for i := range s.state {
			s.state[i].Store(unitUnpacked)
		}
	}
	return s
}

// release drops the reference to the caller's A and returns s to the pool.
func (s *bf16SharedA) release() {
	s.a = nil
	bf16SharedPool.Put(s)
}

// block returns the packed panels [panel0, panel0+panels) of the depth block
// starting at pc, or nil when there is no shared A (s == nil). Panels may
// not be packed yet: see ensure.
func (s *bf16SharedA) block(kern *bf16Kernel, pc, panel0, panels int) []uint32 {
	if s == nil {
		return nil
	}
	kp := kern.pairSteps(min(kern.kc, s.k-pc))
	off := s.offs[pc/kern.kc] + panel0*kern.mr*kp
	return s.buf[off : off+panels*kern.mr*kp]
}

// ensure returns once row panel r of the depth block starting at pc is
// packed: it packs the panel's unit itself unless another thread has
// claimed it, and then waits for that thread (which is running: a claimed
// unit is always being packed, so the wait is short and cannot deadlock).
func (s *bf16SharedA) ensure(pc, r int) {
	d, u := pc/s.kern.kc, r/s.unit
	st := &s.state[d*s.units+u]
	if st.Load() == unitPacked {
		return
	}
	if st.CompareAndSwap(unitUnpacked, unitPacking) {
		s.packUnit(pc, u)
		st.Store(unitPacked) // publishes the packed words to the readers
		return
	}
	for spins := 0; st.Load() != unitPacked; spins++ {
		if spins >= 100 { // the packer was descheduled: let it run
			runtime.Gosched()
		}
	}
}

// packUnit rounds and packs unit u of the depth block starting at pc.
func (s *bf16SharedA) packUnit(pc, u int) {
	kern := s.kern
	mr, kc := kern.mr, min(kern.kc, s.k-pc)
	kp := kern.pairSteps(kc)
	p0, p1 := u*s.unit, min((u+1)*s.unit, s.rowPanels)
	pack := packABF16
	if kern.packA != nil {
		pack = kern.packA
	}
	dst := s.buf[s.offs[pc/kern.kc]+p0*mr*kp : s.offs[pc/kern.kc]+p1*mr*kp]
	pack(dst, s.transA, s.a, s.lda, p0*mr, min(p1*mr, s.m)-p0*mr, pc, kc, kp, mr)
}
