package simd

import (
	"sync"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// bf16SharedA is all of op(A) rounded and packed once, for the threads of a
// grid that splits C by columns and so all need the same A panels. Depth
// block d (rows [d·kc, d·kc+kc) of the depth) holds every row panel, each of
// pairSteps(kc) steps, starting at word offs[d].
type bf16SharedA struct {
	buf       []uint32
	offs      []int
	rowPanels int
	k         int
}

var bf16SharedPool = sync.Pool{New: func() any { return new(bf16SharedA) }}

// packSharedA packs op(A) (m×k) in parallel and returns it; the caller puts
// it back in bf16SharedPool when every reader is done.
func packSharedA(kern *bf16Kernel, transA bool, m, k int, a []float32, lda int) *bf16SharedA {
	s := bf16SharedPool.Get().(*bf16SharedA)
	mr := kern.mr
	s.rowPanels, s.k = (m+mr-1)/mr, k
	s.offs = s.offs[:0]
	words := 0
	for pc := 0; pc < k; pc += kern.kc {
		s.offs = append(s.offs, words)
		words += s.rowPanels * mr * kern.pairSteps(min(kern.kc, k-pc))
	}
	s.buf = growU32(s.buf, words)
	pack := packABF16
	if kern.packA != nil {
		pack = kern.packA
	}
	// A few panels per chunk: transposed A is packed row by row of a, which
	// wants several panels at once.
	parallel.For(s.rowPanels, 4, func(lo, hi int) {
		for d, pc := 0, 0; pc < k; d, pc = d+1, pc+kern.kc {
			kc := min(kern.kc, k-pc)
			kp := kern.pairSteps(kc)
			dst := s.buf[s.offs[d]+lo*mr*kp : s.offs[d]+hi*mr*kp]
			pack(dst, transA, a, lda, lo*mr, min(hi*mr, m)-lo*mr, pc, kc, kp, mr)
		}
	})
	return s
}

// block returns the packed panels [panel0, panel0+panels) of the depth block
// starting at pc, or nil when there is no shared A (s == nil). Row blocks
// start on panel boundaries: kern.mc is a multiple of kern.mr.
func (s *bf16SharedA) block(kern *bf16Kernel, pc, panel0, panels int) []uint32 {
	if s == nil {
		return nil
	}
	kp := kern.pairSteps(min(kern.kc, s.k-pc))
	off := s.offs[pc/kern.kc] + panel0*kern.mr*kp
	return s.buf[off : off+panels*kern.mr*kp]
}
