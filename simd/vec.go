package simd

import (
	"fmt"
	"math"
)

// Vector kernels. Each public function checks lengths and hands the work to
// the implementation installed for the active level: Go loops here, AVX-512
// assembly in vec_amd64.s. Lengths that do not match are a programming error
// and panic with a message naming the operation.

var (
	dotImpl   = dotGo
	axpyImpl  = axpyGo
	scaleImpl = scaleGo
	addImpl   = addGo
	mulImpl   = mulGo
	sumImpl   = sumGo
	maxImpl   = maxGo
)

func init() {
	onLevel(func(l Level) {
		dotImpl, axpyImpl, scaleImpl, addImpl, mulImpl, sumImpl, maxImpl = dotGo, axpyGo, scaleGo, addGo, mulGo, sumGo, maxGo
		impl := "go"
		if l >= AVX512 && vecAVX512 != nil {
			v := vecAVX512
			dotImpl, axpyImpl, scaleImpl, addImpl, mulImpl, sumImpl, maxImpl = v.dot, v.axpy, v.scale, v.add, v.mul, v.sum, v.max
			impl = "avx512"
		}
		for _, op := range []string{"dot", "axpy", "scale", "add", "mul", "sum", "max"} {
			setKernel(op, impl)
		}
	})
}

// vecKernels is one level's set of vector kernels; all slices have the same
// length, checked by the caller.
type vecKernels struct {
	dot   func(x, y []float32) float32
	axpy  func(alpha float32, x, y []float32)
	scale func(alpha float32, x []float32)
	add   func(dst, x, y []float32)
	mul   func(dst, x, y []float32)
	sum   func(x []float32) float32
	max   func(x []float32) float32
}

func sameLen(op string, n int, names string, lens ...int) {
	for _, l := range lens {
		if l != n {
			panic(fmt.Sprintf("simd.%s: %s must have equal lengths, got %v", op, names, append([]int{n}, lens...)))
		}
	}
}

// Dot returns Σ x[i]·y[i] in float32.
func Dot(x, y []float32) float32 {
	sameLen("Dot", len(x), "x, y", len(y))
	if len(x) == 0 {
		return 0
	}
	return dotImpl(x, y)
}

// Axpy sets y[i] += alpha·x[i].
func Axpy(alpha float32, x, y []float32) {
	sameLen("Axpy", len(x), "x, y", len(y))
	if len(x) > 0 {
		axpyImpl(alpha, x, y)
	}
}

// Scale sets x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	if len(x) > 0 {
		scaleImpl(alpha, x)
	}
}

// Add sets dst[i] = x[i] + y[i]; dst may alias x or y.
func Add(dst, x, y []float32) {
	sameLen("Add", len(dst), "dst, x, y", len(x), len(y))
	if len(dst) > 0 {
		addImpl(dst, x, y)
	}
}

// Mul sets dst[i] = x[i]·y[i]; dst may alias x or y.
func Mul(dst, x, y []float32) {
	sameLen("Mul", len(dst), "dst, x, y", len(x), len(y))
	if len(dst) > 0 {
		mulImpl(dst, x, y)
	}
}

// Sum returns Σ x[i] in float32 (0 for an empty slice).
func Sum(x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	return sumImpl(x)
}

// Max returns the largest element: -Inf for an empty slice, NaN if any
// element is NaN (so a diverged activation is not hidden).
func Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return maxImpl(x)
}
