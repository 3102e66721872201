package simd

// Per-plane kernels of batch normalisation and ReLU: one pass over a plane
// each, so the autograd ops stay memory-bound instead of waiting on a
// scalar accumulator's 4-cycle add chain. Go loops in vec_affine_generic.go
// are the reference; AVX-512 assembly is in vec_affine_amd64.s.

var (
	momentsImpl    = momentsGo
	affineImpl     = affineGo
	sumDotDevImpl  = sumDotDevGo
	affinePairImpl = affinePairGo
	reluImpl       = reluGo
	reluGradImpl   = reluGradGo
)

// affineKernels is one level's set of the kernels above; slices have equal
// lengths >= 1, checked by the caller.
type affineKernels struct {
	moments    func(x []float32) (sum, m2 float32)
	affine     func(dst, x []float32, a, m, b float32)
	sumDotDev  func(y, x []float32, m float32) (sumY, dotDev float32)
	affinePair func(dst, y, x []float32, a, b, m, c float32, add bool)
	relu       func(dst, x []float32)
	reluGrad   func(gx, gy, y []float32, add bool)
}

func init() {
	onLevel(func(l Level) {
		momentsImpl, affineImpl, sumDotDevImpl, affinePairImpl, reluImpl, reluGradImpl = momentsGo, affineGo, sumDotDevGo, affinePairGo, reluGo, reluGradGo
		impl := "go"
		if l >= AVX512 && affineAVX512 != nil {
			k := affineAVX512
			momentsImpl, affineImpl, sumDotDevImpl, affinePairImpl, reluImpl, reluGradImpl = k.moments, k.affine, k.sumDotDev, k.affinePair, k.relu, k.reluGrad
			impl = "avx512"
		}
		for _, op := range []string{"moments", "affine", "sumdotdev", "affinepair", "relu", "relugrad"} {
			setKernel(op, impl)
		}
	})
}

// Moments returns Σ x[i] and Σ (x[i] - mean)² with mean = sum/len(x), both
// in float32 (0, 0 for an empty slice). The second pass finds the plane in
// cache; deviations from the slice's own mean keep the squares small, and
// callers merge slices exactly with Chan's formula.
func Moments(x []float32) (sum, m2 float32) {
	if len(x) == 0 {
		return 0, 0
	}
	return momentsImpl(x)
}

// Affine sets dst[i] = a·(x[i] - m) + b; dst may alias x. Subtracting m
// first keeps full precision when m is large next to the spread of x.
func Affine(dst, x []float32, a, m, b float32) {
	sameLen("Affine", len(dst), "dst, x", len(x))
	if len(dst) > 0 {
		affineImpl(dst, x, a, m, b)
	}
}

// SumDotDev returns Σ y[i] and Σ y[i]·(x[i] - m) in float32.
func SumDotDev(y, x []float32, m float32) (sumY, dotDev float32) {
	sameLen("SumDotDev", len(y), "y, x", len(x))
	if len(y) == 0 {
		return 0, 0
	}
	return sumDotDevImpl(y, x, m)
}

// AffinePair sets dst[i] = a·y[i] + b·(x[i] - m) + c, or adds that to
// dst[i] when add is true. dst may alias y or x only when add is false.
func AffinePair(dst, y, x []float32, a, b, m, c float32, add bool) {
	sameLen("AffinePair", len(dst), "dst, y, x", len(y), len(x))
	if len(dst) > 0 {
		affinePairImpl(dst, y, x, a, b, m, c, add)
	}
}

// ReLU sets dst[i] = max(x[i], 0): +0 for ±0 and negatives, NaN stays NaN
// (as Go's max); dst may alias x.
func ReLU(dst, x []float32) {
	sameLen("ReLU", len(dst), "dst, x", len(x))
	if len(dst) > 0 {
		reluImpl(dst, x)
	}
}

// ReLUGrad sets gx[i] = gy[i] where y[i] > 0 (or is NaN) and 0 elsewhere,
// or adds that to gx[i] when add is true. y is ReLU's output, so the
// gradient at x = 0 is 0, as PyTorch's.
func ReLUGrad(gx, gy, y []float32, add bool) {
	sameLen("ReLUGrad", len(gx), "gx, gy, y", len(gy), len(y))
	if len(gx) > 0 {
		reluGradImpl(gx, gy, y, add)
	}
}
