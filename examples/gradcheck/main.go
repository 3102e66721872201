// Command gradcheck teaches how autograd is checked and extended. It checks
// the gradients of a small expression built from library ops against finite
// differences with autograd.GradCheck, then writes a new op (softplus) with
// Tape.Record and Tape.GradOf, checks it the same way, and shows GradCheck
// catching an op whose backward pass is wrong.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/mmpoison/mmpoison/autograd"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gradcheck:", err)
		os.Exit(1)
	}
}

// softplus is log(1 + eˣ) elementwise, a new op written outside the
// autograd package. The forward pass fills a tape-owned tensor; Record
// attaches the backward pass, which reads the output's gradient and adds
// dL/dx = dL/dy · sigmoid(x) into the input's gradient buffer (GradOf).
func softplus(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	out := g.NewTensor(x.Shape...)
	for i, v := range x.Data {
		a := float64(v) // log(1+eᵃ) = max(a,0) + log1p(e^-|a|) does not overflow
		out.Data[i] = float32(math.Max(a, 0) + math.Log1p(math.Exp(-math.Abs(a))))
	}
	return g.Record(out, func() {
		gx := g.GradOf(x) // nil when x needs no gradient
		if gx == nil {
			return
		}
		for i, v := range x.Data {
			gx[i] += out.Grad[i] * float32(1/(1+math.Exp(-float64(v))))
		}
	}, x)
}

// softplusWrong has a classic bug: its backward pass uses eˣ, the
// derivative of the inner function only, instead of sigmoid(x).
func softplusWrong(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	out := g.NewTensor(x.Shape...)
	for i, v := range x.Data {
		out.Data[i] = float32(math.Log1p(math.Exp(float64(v))))
	}
	return g.Record(out, func() {
		if gx := g.GradOf(x); gx != nil {
			for i, v := range x.Data {
				gx[i] += out.Grad[i] * float32(math.Exp(float64(v)))
			}
		}
	}, x)
}

// param makes a leaf that requires a gradient, filled with values of order one.
func param(rng *rand.Rand, shape ...int) *autograd.Tensor {
	t := autograd.Param(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gradcheck", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of the random inputs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 0))
	x, w := param(rng, 2, 3), param(rng, 3, 2)
	// Finite differences in float32 with step 1e-2 agree with the true
	// gradient to about 1e-3 here; the tolerances leave room for that.
	const eps, atol, rtol = 1e-2, 1e-2, 1e-2

	// 1. An expression of library ops: sum(tanh(x·w)).
	err := autograd.GradCheck(func(g *autograd.Tape) *autograd.Tensor {
		return g.SumAll(g.Tanh(g.MatMul(x, w, false, false)))
	}, []*autograd.Tensor{x, w}, eps, atol, rtol)
	if err != nil {
		return fmt.Errorf("sum(tanh(x·w)): %w", err)
	}
	fmt.Fprintln(out, "sum(tanh(x·w)): analytic gradients match finite differences")

	// 2. The custom op inside an expression: mean(softplus(x·w) · (x·w)).
	err = autograd.GradCheck(func(g *autograd.Tape) *autograd.Tensor {
		y := g.MatMul(x, w, false, false)
		return g.MeanAll(g.Mul(softplus(g, y), y))
	}, []*autograd.Tensor{x, w}, eps, atol, rtol)
	if err != nil {
		return fmt.Errorf("softplus: %w", err)
	}
	fmt.Fprintln(out, "mean(softplus(x·w)·(x·w)): the custom op's backward pass is right")

	// 3. The buggy op must fail the same check.
	err = autograd.GradCheck(func(g *autograd.Tape) *autograd.Tensor {
		return g.SumAll(softplusWrong(g, x))
	}, []*autograd.Tensor{x}, eps, atol, rtol)
	if err == nil {
		return fmt.Errorf("GradCheck passed a softplus whose backward pass is wrong")
	}
	fmt.Fprintf(out, "softplus with eˣ as its derivative: caught, %v\n", err)
	return nil
}
