package autograd

import (
	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/simd"
)

// convPatchPart is one task's weight and bias gradient accumulators. The
// first task's are w's and b's gradients themselves; the others' are tape
// buffers that their first image overwrites (so they need no clearing)
// and that are added into the gradients after the loop.
type convPatchPart struct {
	dw, db []float32
	owned  bool // dw and db are the gradients themselves
}

// beta is the GEMM beta for the task's dW update: a partial's first image
// writes, everything else adds.
func (p *convPatchPart) beta(first bool) float32 {
	if first && !p.owned {
		return 0
	}
	return 1
}

// convPatchParts returns tasks accumulators for dw and db (either may be
// nil, and so are the parts' fields then).
func convPatchParts(g *Tape, tasks int, dw, db []float32) []convPatchPart {
	parts := make([]convPatchPart, tasks)
	parts[0] = convPatchPart{dw: dw, db: db, owned: true}
	for t := 1; t < tasks; t++ {
		if dw != nil {
			parts[t].dw = g.AllocNoZero(len(dw))
		}
		if db != nil {
			parts[t].db = g.Alloc(len(db)) // summed into, so it starts at zero
		}
	}
	return parts
}

// convPatchSumParts adds the partials of tasks after the first into dw and
// db and returns their buffers to the tape.
func convPatchSumParts(g *Tape, parts []convPatchPart, dw, db []float32) {
	for _, part := range parts[1:] {
		if part.dw != nil {
			simd.Add(dw, dw, part.dw)
			g.recycle(part.dw)
		}
		if part.db != nil {
			conv.AddTo(db, part.db)
			g.recycle(part.db)
		}
	}
}

// convAddRowSums adds the sum of row oc (plane floats) of y [len(sums),
// plane] into sums[oc].
func convAddRowSums(sums, y []float32, plane int) {
	for oc := range sums {
		var s float32
		for _, v := range y[oc*plane : (oc+1)*plane] {
			s += v
		}
		sums[oc] += s
	}
}
