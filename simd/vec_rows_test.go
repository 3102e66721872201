package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rowsCase builds rows rows of n floats lda apart, with sentinels in the
// gaps between rows and after the last, which no kernel may touch.
func rowsCase(rng *rand.Rand, rows, n, lda int) []float32 {
	a := make([]float32, max(0, (rows-1)*lda+n)+lda)
	for i := range a {
		a[i] = 1e30 // sentinel
	}
	for j := range rows {
		copy(a[j*lda:j*lda+n], uniform(rng, n, -1, 1))
	}
	return a
}

func checkSentinels(t *testing.T, op string, a []float32, rows, n, lda int) {
	t.Helper()
	for i, v := range a {
		j, c := i/lda, i%lda
		if (j >= rows || c >= n) && v != 1e30 {
			t.Fatalf("%s rows=%d n=%d lda=%d wrote a[%d] outside the rows", op, rows, n, lda, i)
		}
	}
}

// TestRowKernels checks DotRows, AxpyRows and AddOuterRows against float64
// loops within the float32 summation bound, at every level, for lengths
// around the 16-lane vectors and odd and even row counts.
func TestRowKernels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(61, 62))
		for _, n := range []int{1, 7, 16, 17, 32, 33, 64, 100} {
			for _, rows := range []int{1, 2, 5, 17} {
				lda := n + 3
				a := rowsCase(rng, rows, n, lda)
				x, w := uniform(rng, n, -1, 1), uniform(rng, rows, -1, 1)
				bound := func(mag float64, terms int) float64 { return float64(terms+2)*eps32*mag + 1e-30 }

				dst := make([]float32, rows+1)
				dst[rows] = 7
				DotRows(dst[:rows], x, a, lda, 0.5)
				if dst[rows] != 7 {
					t.Fatalf("DotRows wrote past dst")
				}
				for j := range rows {
					var want, mag float64
					for i := range n {
						p := float64(x[i]) * float64(a[j*lda+i])
						want, mag = want+p, mag+math.Abs(p)
					}
					if math.Abs(float64(dst[j])-0.5*want) > bound(0.5*mag, n) {
						t.Fatalf("DotRows n=%d rows=%d [%d] = %g, want %g", n, rows, j, dst[j], 0.5*want)
					}
				}

				y := uniform(rng, n, -1, 1)
				y0 := append([]float32(nil), y...)
				AxpyRows(y, w, a, lda)
				for i := range n {
					want, mag := float64(y0[i]), math.Abs(float64(y0[i]))
					for j := range rows {
						p := float64(w[j]) * float64(a[j*lda+i])
						want, mag = want+p, mag+math.Abs(p)
					}
					if math.Abs(float64(y[i])-want) > bound(mag, rows) {
						t.Fatalf("AxpyRows n=%d rows=%d [%d] = %g, want %g", n, rows, i, y[i], want)
					}
				}

				before := append([]float32(nil), a...)
				AddOuterRows(a, lda, w, x)
				checkSentinels(t, "AddOuterRows", a, rows, n, lda)
				for j := range rows {
					for i := range n {
						want := float64(before[j*lda+i]) + float64(w[j])*float64(x[i])
						if math.Abs(float64(a[j*lda+i])-want) > bound(math.Abs(want)+1, 1) {
							t.Fatalf("AddOuterRows n=%d rows=%d [%d,%d] = %g, want %g", n, rows, j, i, a[j*lda+i], want)
						}
					}
				}
			}
		}
	})
}

// TestRowKernelsRejectShortMatrices checks the bounds check.
func TestRowKernelsRejectShortMatrices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("DotRows accepted 3 rows of 4 floats 5 apart in 12 floats")
		}
	}()
	DotRows(make([]float32, 3), make([]float32, 4), make([]float32, 12), 5, 1)
}
