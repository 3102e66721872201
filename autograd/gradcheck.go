package autograd

import (
	"fmt"
	"math"
)

// GradCheck compares the gradients Backward computes for f with central
// finite differences on every element of every input.
//
// f builds a scalar on the tape it is given; it is called many times, so it
// must be deterministic. Inputs must be leaves that require gradients. The
// check passes an element when |analytic - numeric| <= atol + rtol·|numeric|;
// the first failure is returned as an error naming the input and element.
// Differences are taken in float32 with step eps, so rtol/atol around 1e-2
// and eps around 1e-2 suit values of order one.
func GradCheck(f func(g *Tape) *Tensor, inputs []*Tensor, eps, atol, rtol float64) error {
	g := NewTape()
	for _, in := range inputs {
		if !in.leaf || !in.requiresGrad {
			return fmt.Errorf("GradCheck: input %v must be a leaf that requires grad", in)
		}
		in.Grad = nil
	}
	loss := f(g)
	g.Backward(loss)
	analytic := make([][]float32, len(inputs))
	for i, in := range inputs {
		if in.Grad == nil {
			analytic[i] = make([]float32, len(in.Data)) // no path from loss: gradient is zero
		} else {
			analytic[i] = append([]float32(nil), in.Grad...)
		}
	}
	g.Reset()

	eval := func() float64 {
		old := g.SetNoGrad(true)
		v := float64(f(g).Item())
		g.SetNoGrad(old)
		g.Reset()
		return v
	}
	for i, in := range inputs {
		for j := range in.Data {
			orig := in.Data[j]
			in.Data[j] = orig + float32(eps)
			up := eval()
			in.Data[j] = orig - float32(eps)
			down := eval()
			in.Data[j] = orig
			numeric := (up - down) / (2 * eps)
			a := float64(analytic[i][j])
			if math.IsNaN(a) || math.Abs(a-numeric) > atol+rtol*math.Abs(numeric) {
				return fmt.Errorf("GradCheck: input %d %v element %d: analytic %.6g, numeric %.6g", i, in, j, a, numeric)
			}
		}
	}
	return nil
}
