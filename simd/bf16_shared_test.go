package simd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestBF16SharedAEnsure has two goroutines claim and pack the panels of a
// shared A in opposite orders (so they meet, and wait on each other's
// units) and checks every depth block against op(A) packed privately in
// one piece, for both layouts and both transposes, with ragged row panels
// and depth blocks.
func TestBF16SharedAEnsure(t *testing.T) {
	kernels := []*bf16Kernel{
		{name: "12x32", mr: 12, nr: 32, kc: 38, nb: 64, mc: 24},
		{name: "amx-layout", mr: amxMR, nr: amxNR, kc: 64, nb: 64, mc: 96, kstep: amxPairs, packA: packAAMX},
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, kern := range kernels {
		for _, transA := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/transA=%v", kern.name, transA), func(t *testing.T) {
				m, k := 7*kern.mr+5, 3*kern.kc+9
				lda := k + 3
				if transA {
					lda = m + 3
				}
				rows := m
				if transA {
					rows = k
				}
				a := packValues(rng, rows*lda)
				for round := 0; round < 2; round++ { // the second reuses the pooled buffers
					s := newSharedA(kern, transA, m, k, a, lda)
					var wg sync.WaitGroup
					for g := 0; g < 2; g++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for pc := 0; pc < k; pc += kern.kc {
								for i := 0; i < s.rowPanels; i++ {
									r := i
									if g == 1 {
										r = s.rowPanels - 1 - i
									}
									s.ensure(pc, r)
								}
							}
						}()
					}
					wg.Wait()
					pack := packABF16
					if kern.packA != nil {
						pack = kern.packA
					}
					for pc := 0; pc < k; pc += kern.kc {
						kc := min(kern.kc, k-pc)
						kp := kern.pairSteps(kc)
						want := make([]uint32, s.rowPanels*kern.mr*kp)
						pack(want, transA, a, lda, 0, m, pc, kc, kp, kern.mr)
						if got := s.block(kern, pc, 0, s.rowPanels); !slices.Equal(got, want) {
							t.Fatalf("round %d depth block at %d: shared A differs from op(A) packed in one piece", round, pc)
						}
					}
					s.release()
				}
			})
		}
	}
}
