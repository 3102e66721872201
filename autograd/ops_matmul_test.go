package autograd

import (
	"fmt"
	"testing"
)

// naiveMatMul computes op(a)·op(b) for one [r,c] matrix pair with loops.
func naiveMatMul(a []float32, ar, ac int, b []float32, br, bc int, ta, tb bool) []float32 {
	at := func(i, p int) float32 {
		if ta {
			return a[p*ac+i]
		}
		return a[i*ac+p]
	}
	bt := func(p, j int) float32 {
		if tb {
			return b[j*bc+p]
		}
		return b[p*bc+j]
	}
	m, k, n := ar, ac, bc
	if ta {
		m, k = ac, ar
	}
	if tb {
		n = br
	}
	out := make([]float32, m*n)
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				s += at(i, p) * bt(p, j)
			}
			out[i*n+j] = s
		}
	}
	return out
}

func TestMatMul(t *testing.T) {
	rng := newRNG(70)
	for _, dims := range [][3]int{{3, 4, 5}, {1, 1, 1}, {1, 3, 2}, {4, 1, 3}} {
		m, k, n := dims[0], dims[1], dims[2]
		for _, batch := range []int{0, 1, 3} { // 0 = plain 2-D
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					as, bs := []int{m, k}, []int{k, n}
					if ta {
						as = []int{k, m}
					}
					if tb {
						bs = []int{n, k}
					}
					if batch > 0 {
						as, bs = append([]int{batch}, as...), append([]int{batch}, bs...)
					}
					a := randParam(rng, -1, 1, as...)
					b := randParam(rng, -1, 1, bs...)
					tag := fmt.Sprintf("MatMul %v %v ta=%v tb=%v", as, bs, ta, tb)
					y := NewTape().MatMul(a, b, ta, tb)
					nb := max(batch, 1)
					sa, sb := len(a.Data)/nb, len(b.Data)/nb
					for i := range nb {
						want := naiveMatMul(a.Data[i*sa:], as[len(as)-2], as[len(as)-1], b.Data[i*sb:], bs[len(bs)-2], bs[len(bs)-1], ta, tb)
						closeTo(t, tag, y.Data[i*m*n:(i+1)*m*n], want, 1e-5)
					}
					checkGrad(t, tag, []*Tensor{a, b}, func(g *Tape) *Tensor { return g.MatMul(a, b, ta, tb) })
				}
			}
		}
	}
}

func TestLinear(t *testing.T) {
	rng := newRNG(71)
	for _, xs := range [][]int{{4, 3}, {2, 1, 3}, {3}} {
		x := randParam(rng, -1, 1, xs...)
		w := randParam(rng, -1, 1, 2, 3)
		b := randParam(rng, -1, 1, 2)
		checkGrad(t, fmt.Sprintf("Linear %v", xs), []*Tensor{x, w, b}, func(g *Tape) *Tensor { return g.Linear(x, w, b) })
		checkGrad(t, fmt.Sprintf("Linear nobias %v", xs), []*Tensor{x, w}, func(g *Tape) *Tensor { return g.Linear(x, w, nil) })
		// Against MatMul with the transpose flag plus broadcast Add.
		g := NewTape()
		y := g.Linear(x, w, b)
		want := g.Add(g.MatMul(g.Reshape(x, -1, 3), w, false, true), b)
		closeTo(t, "Linear vs MatMul", y.Data, want.Data, 1e-6)
		if wantShape := append(append([]int(nil), xs[:len(xs)-1]...), 2); !SameShape(y.Shape, wantShape) {
			t.Errorf("Linear shape %v, want %v", y.Shape, wantShape)
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	g := NewTape()
	expectPanic(t, func() { g.MatMul(Zeros(2, 3), Zeros(2, 3), false, false) }, "autograd: MatMul", "[2 3]")
	expectPanic(t, func() { g.MatMul(Zeros(2, 2, 3), Zeros(3, 3, 1), false, false) }, "autograd: MatMul", "[2 2 3]", "[3 3 1]")
	expectPanic(t, func() { g.Linear(Zeros(4, 3), Zeros(2, 4), nil) }, "autograd: Linear", "[4 3]", "[2 4]")
}
