package simd

import (
	"testing"
	"unsafe"
)

// TestBF16PrefetchCovers checks that the tile calls of one group, following
// bf16Prefetch, touch every line of the next group's source (both
// transposes, ragged sizes) and never point outside b.
func TestBF16PrefetchCovers(t *testing.T) {
	kern := &bf16Kernel{name: "t", mr: 12, nr: 32, kc: 100, nb: 70, mc: 36}
	for _, transB := range []bool{false, true} {
		for _, s := range [][3]int{{40, 150, 250}, {7, 33, 9}} { // m, n, k
			m, n, k := s[0], s[1], s[2]
			ldb := n + 5
			if transB {
				ldb = k + 5
			}
			b := make([]float32, (max(n, k)+1)*ldb)
			// after the last group of the first depth block: next is depth 100
			kp := kern.pairSteps(min(kern.kc, k))
			p := nextBGroup(kern, transB, b, ldb, m, n, k, 0, m, n, kp)
			kc, ng := min(kern.kc, k-kern.kc), min(kern.nb, n)
			if k <= kern.kc {
				if p.perCall != 0 {
					t.Fatalf("k=%d: a prefetch past the last depth block", k)
				}
				continue
			}
			rows, width, start := kc, ng, kern.kc*ldb
			if transB {
				rows, width, start = ng, kc, kern.kc
			}
			seen := map[[2]int]bool{}
			base := uintptr(unsafe.Pointer(&b[0]))
			for {
				pf, stride := p.next()
				if pf == nil {
					break
				}
				off := int(uintptr(unsafe.Pointer(pf))-base) / 4
				for i := 0; i < kp/4; i++ {
					e := off + i*stride/4 - start
					row, col := e/ldb, e%ldb
					if row < rows && col < width {
						seen[[2]int{row, col / 16}] = true
					}
				}
			}
			for r := 0; r < rows; r++ {
				for l := 0; l < (width+15)/16; l++ {
					if !seen[[2]int{r, l}] {
						t.Fatalf("transB=%v m=%d n=%d k=%d: row %d line %d of the next group never prefetched", transB, m, n, k, r, l)
					}
				}
			}
		}
	}
}
