package nn

import (
	"sort"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// flatPlan lays the active parameters of one optimiser step end to end, so
// the element-wise update is split over the worker pool as one long vector.
// A model has many small tensors (biases, gains, 128×128 weights), each too
// short to be worth splitting alone, which left most of the update on one
// core. The plan's slices are reused across steps.
type flatPlan struct {
	slots  []*slot
	starts []int // starts[i] is slot i's offset in the concatenation
	total  int
}

func (f *flatPlan) reset() {
	f.slots, f.starts, f.total = f.slots[:0], f.starts[:0], 0
}

func (f *flatPlan) add(s *slot) {
	f.slots = append(f.slots, s)
	f.starts = append(f.starts, f.total)
	f.total += len(s.p.Data)
}

// run calls fn(i, lo, hi) for disjoint pieces [lo, hi) of slot i covering
// every element once, in parallel.
func (f *flatPlan) run(fn func(i, lo, hi int)) {
	parallel.For(f.total, elementwiseGrain, func(lo, hi int) {
		// the last slot starting at or before lo
		i := sort.SearchInts(f.starts, lo+1) - 1
		for ; i < len(f.slots) && f.starts[i] < hi; i++ {
			s := f.starts[i]
			a, b := max(lo, s)-s, min(hi, s+len(f.slots[i].p.Data))-s
			if a < b {
				fn(i, a, b)
			}
		}
	})
}

// elementwiseGrain is the smallest chunk worth handing to another core for
// a memory-bound element-wise update.
const elementwiseGrain = 1 << 15
