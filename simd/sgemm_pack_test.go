package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPackMatchesNaive compares packA and packB (assembly transpose plus Go
// tails) with a direct reading of the panel layout, over ragged shapes,
// offsets and strides, including power-of-two strides.
func TestPackMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const ld = 256
	src := randSlice(rng, ld*ld)
	for _, w := range []int{4, 6, 12, 16, 32} { // panel widths of every kernel
		for _, trans := range []bool{false, true} {
			for _, rows := range []int{1, 3, 4, 12, 13, 31, 64, 70} {
				for _, kc := range []int{1, 5, 15, 16, 17, 48, 100} {
					for _, off := range []int{0, 3} {
						name := fmt.Sprintf("w=%d/trans=%v/rows=%d/kc=%d/off=%d", w, trans, rows, kc, off)
						panels := (rows + w - 1) / w
						got := make([]float32, panels*w*kc+1)
						for i := range got {
							got[i] = sentinel
						}
						// op(X)[i][p] for the rows/columns [off, off+rows) and depth [off, off+kc)
						opAt := func(i, p int) float32 {
							if trans {
								return src[p*ld+i]
							}
							return src[i*ld+p]
						}
						packA(got, trans, src, ld, off, rows, off, kc, w)
						checkPanels(t, "packA "+name, got, rows, kc, w, func(i, p int) float32 { return opAt(off+i, off+p) })
						for i := range got {
							got[i] = sentinel
						}
						// packB reads op(B)[p][j] = B[p][j], or b[j][p] when transposed: the
						// transposed case of packB is the plain case of packA and vice versa.
						packB(got, !trans, src, ld, off, kc, off, rows, w)
						checkPanels(t, "packB "+name, got, rows, kc, w, func(j, p int) float32 { return opAt(off+j, off+p) })
					}
				}
			}
		}
	}
}

// checkPanels checks panel layout dst[q*w*kc + p*w + r] = want(q*w+r, p),
// zero padding past the last row, and the sentinel after the last panel.
func checkPanels(t *testing.T, name string, dst []float32, rows, kc, w int, want func(i, p int) float32) {
	t.Helper()
	panels := (rows + w - 1) / w
	for q := 0; q < panels; q++ {
		for p := 0; p < kc; p++ {
			for r := 0; r < w; r++ {
				exp := float32(0)
				if i := q*w + r; i < rows {
					exp = want(i, p)
				}
				if got := dst[q*w*kc+p*w+r]; got != exp {
					t.Fatalf("%s: panel %d step %d lane %d = %g, want %g", name, q, p, r, got, exp)
				}
			}
		}
	}
	if dst[panels*w*kc] != sentinel {
		t.Fatalf("%s: wrote past the last panel", name)
	}
}
