package nn

import (
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

// TestFlatPlanCoversEveryElementOnce checks that the parallel split of the
// concatenated parameters visits each element of each slot exactly once,
// with slots shorter, longer and much longer than one chunk, and empty ones.
func TestFlatPlanCoversEveryElementOnce(t *testing.T) {
	sizes := []int{1, elementwiseGrain + 7, 0, 3, 2*elementwiseGrain + 1, 0, 5, elementwiseGrain}
	var f flatPlan
	for round := range 2 { // the second round reuses the plan's slices
		f.reset()
		visits := make([][]int32, len(sizes))
		for i, n := range sizes {
			f.add(&slot{p: autograd.Zeros(n)})
			visits[i] = make([]int32, n)
		}
		f.run(func(i, lo, hi int) {
			for j := lo; j < hi; j++ {
				visits[i][j]++ // slots' pieces are disjoint, so no two workers share an element
			}
		})
		for i, v := range visits {
			for j, c := range v {
				if c != 1 {
					t.Fatalf("round %d: slot %d element %d visited %d times, want 1", round, i, j, c)
				}
			}
		}
	}
}
