package simd

import "math"

// Fused row kernels: each works on one row; callers loop over rows and
// parallelise. Slices passed together must have equal lengths (a mismatch is
// a programming error and panics with a message). dst may alias x.

// rowKernels is one level's set of elementwise transcendental kernels; the
// row functions below combine them with the vector kernels.
type rowKernels struct {
	name         string
	expShiftSum  func(dst, x []float32, shift float32) float32 // dst = exp(x+shift), returns Σ dst
	gelu         func(dst, x []float32)
	geluTanh     func(dst, x []float32)
	geluGrad     func(dx, dy, x []float32)
	geluTanhGrad func(dx, dy, x []float32)
	// QuickGELU x·σ(1.702x), OpenAI CLIP's activation, and its derivative
	quickGELU     func(dst, x []float32)
	quickGELUGrad func(dx, dy, x []float32)
	// layer norm over one row (rows_layernorm.go), n >= 1
	layerNorm         func(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32)
	layerNormBackward func(dx, dgamma, dbeta, dy, x, gamma []float32, mean, rstd float32)
}

var rowsGo = &rowKernels{name: "go", expShiftSum: expShiftSumGo, gelu: geluGo, geluTanh: geluTanhGo, geluGrad: geluGradGo, geluTanhGrad: geluTanhGradGo,
	quickGELU: quickGELUGo, quickGELUGrad: quickGELUGradGo,
	layerNorm: layerNormGo, layerNormBackward: layerNormBackwardGo}

var rowImpl = rowsGo

func init() {
	onLevel(func(l Level) {
		rowImpl = rowsGo
		if l >= AVX512 && rowsAVX512 != nil {
			rowImpl = rowsAVX512
		}
		for _, op := range []string{"softmax", "log_softmax", "exp", "gelu", "gelu_tanh", "gelu_grad", "gelu_tanh_grad", "quick_gelu", "quick_gelu_grad", "layernorm", "layernorm_backward"} {
			setKernel(op, rowImpl.name)
		}
	})
}

// Exp sets dst[i] = e^x[i] (within 2 ulp; overflow gives +Inf, underflow 0).
func Exp(dst, x []float32) {
	sameLen("Exp", len(dst), "dst, x", len(x))
	if len(x) > 0 {
		rowImpl.expShiftSum(dst, x, 0)
	}
}

// SoftmaxRow sets dst = exp(x - max x) / Σ exp(x - max x). A row of all -Inf
// (or containing NaN) gives NaNs.
func SoftmaxRow(dst, x []float32) {
	sameLen("SoftmaxRow", len(dst), "dst, x", len(x))
	if len(x) == 0 {
		return
	}
	m := Max(x)
	s := rowImpl.expShiftSum(dst, x, -m)
	Scale(1/s, dst)
}

// LogSoftmaxRow sets dst = x - max x - log Σ exp(x - max x).
func LogSoftmaxRow(dst, x []float32) {
	sameLen("LogSoftmaxRow", len(dst), "dst, x", len(x))
	if len(x) == 0 {
		return
	}
	m := Max(x)
	s := rowImpl.expShiftSum(dst, x, -m) // dst is scratch here
	shift := -m - float32(math.Log(float64(s)))
	for i, v := range x {
		dst[i] = v + shift
	}
}

// GELU sets dst = x·Φ(x), Φ the standard normal CDF (the erf form).
func GELU(dst, x []float32) {
	sameLen("GELU", len(dst), "dst, x", len(x))
	if len(x) > 0 {
		rowImpl.gelu(dst, x)
	}
}

// GELUTanh sets dst = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELUTanh(dst, x []float32) {
	sameLen("GELUTanh", len(dst), "dst, x", len(x))
	if len(x) > 0 {
		rowImpl.geluTanh(dst, x)
	}
}

// GELUGrad sets dx = dy·GELU'(x) for the erf form: GELU'(x) = Φ(x) + x·φ(x).
func GELUGrad(dx, dy, x []float32) {
	sameLen("GELUGrad", len(dx), "dx, dy, x", len(dy), len(x))
	if len(x) > 0 {
		rowImpl.geluGrad(dx, dy, x)
	}
}

// QuickGELU sets dst = x·σ(1.702·x), OpenAI CLIP's activation.
func QuickGELU(dst, x []float32) {
	sameLen("QuickGELU", len(dst), "dst, x", len(x))
	if len(x) > 0 {
		rowImpl.quickGELU(dst, x)
	}
}

// QuickGELUGrad sets dx = dy·QuickGELU'(x) = dy·s·(1 + 1.702·x·(1-s)), s = σ(1.702·x).
func QuickGELUGrad(dx, dy, x []float32) {
	sameLen("QuickGELUGrad", len(dx), "dx, dy, x", len(dy), len(x))
	if len(x) > 0 {
		rowImpl.quickGELUGrad(dx, dy, x)
	}
}

// GELUTanhGrad sets dx = dy·GELUTanh'(x).
func GELUTanhGrad(dx, dy, x []float32) {
	sameLen("GELUTanhGrad", len(dx), "dx, dy, x", len(dy), len(x))
	if len(x) > 0 {
		rowImpl.geluTanhGrad(dx, dy, x)
	}
}
