package simd

import "math"

// Pure-Go row kernels, the same algorithms as the assembly (rows_amd64.s).

// Cephes-style expf: e^x = 2^n·e^r with n = round(x·log2 e) and
// |r| <= ln2/2; ln 2 is split in two so n·ln2Hi is exact for |n| <= 255.
const (
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693359375
	expLn2Lo = -2.12194440e-4
	expHi    = 88.8 // above: +Inf (e^88.73 already overflows)
	expLo    = -104 // below: 0 (e^-104 is under half the least subnormal)
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
)

func expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > expHi:
		return float32(math.Inf(1))
	case x < expLo:
		return 0
	}
	n := float32(math.RoundToEven(float64(x * expLog2e)))
	r := x - n*expLn2Hi
	r -= n * expLn2Lo
	p := ((((expP0*r+expP1)*r+expP2)*r+expP3)*r+expP4)*r + expP5
	y := p*r*r + r + 1
	// 2^n in two normal factors, since n reaches -150 and 128
	n1 := int32(n) / 2
	n2 := int32(n) - n1
	return y * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n2+127)<<23)
}

func expShiftSumGo(dst, x []float32, shift float32) float32 {
	dst = dst[:len(x)]
	var s float32
	for i, v := range x {
		e := expf(v + shift)
		dst[i] = e
		s += e
	}
	return s
}

// Φ(x) by Abramowitz & Stegun 7.1.26 (|erf error| <= 1.5e-7): with
// z = |x|/√2 and t = 1/(1 + p·z), erfc(z) ≈ t·(a1 + t·(a2 + ... + t·a5))·e^(-z²).
// Computing the small tail Φ(-|x|) = erfc(z)/2 directly avoids cancellation.
const (
	erfP        = 0.3275911
	erfA1       = 0.254829592
	erfA2       = -0.284496736
	erfA3       = 1.421413741
	erfA4       = -1.453152027
	erfA5       = 1.061405429
	invSqrt2    = 0.70710678118654752
	invSqrt2Pi  = 0.39894228040143268 // 1/√(2π)
	geluTanhC   = 0.79788456080286536 // √(2/π)
	geluTanhCub = 0.044715
)

// normCDF returns Φ(x) and e^(-x²/2).
func normCDF(x float32) (cdf, gauss float32) {
	z := float32(math.Abs(float64(x))) * invSqrt2
	t := 1 / (1 + erfP*z)
	gauss = expf(-z * z)
	half := 0.5 * t * ((((erfA5*t+erfA4)*t+erfA3)*t+erfA2)*t + erfA1) * gauss
	if x < 0 {
		return half, gauss
	}
	return 1 - half, gauss
}

func geluGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		c, _ := normCDF(v)
		dst[i] = v * c
	}
}

func geluGradGo(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		c, g := normCDF(v)
		dx[i] = dy[i] * (c + v*g*invSqrt2Pi)
	}
}

// tanhGate returns s = (1 + tanh u)/2 = 1/(1 + e^(-2u)) and du/dx for
// u = √(2/π)·(x + 0.044715·x³).
func tanhGate(x float32) (s, du float32) {
	x2 := x * x
	u := geluTanhC * x * (1 + geluTanhCub*x2)
	s = 1 / (1 + expf(-2*u))
	return s, geluTanhC * (1 + 3*geluTanhCub*x2)
}

func geluTanhGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		s, _ := tanhGate(v)
		dst[i] = v * s
	}
}

func geluTanhGradGo(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		s, du := tanhGate(v)
		dx[i] = dy[i] * (s + v*s*(1-s)*2*du)
	}
}

// quickGELUScale is c in QuickGELU's x·σ(c·x).
const quickGELUScale = 1.702

func quickGate(x float32) float32 { return 1 / (1 + expf(-quickGELUScale*x)) }

func quickGELUGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = quickGate(v) * v
	}
}

func quickGELUGradGo(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		s := quickGate(v)
		dx[i] = dy[i] * s * (1 + quickGELUScale*v*(1-s))
	}
}
