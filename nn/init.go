package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mmpoison/mmpoison/autograd"
)

// Fans returns PyTorch's fan-in and fan-out of a weight: [out, in, k...]
// has fan-in in·∏k and fan-out out·∏k.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("nn: fan-in/fan-out need a weight with at least 2 dimensions, got shape %v", shape))
	}
	receptive := 1
	for _, d := range shape[2:] {
		receptive *= d
	}
	return shape[1] * receptive, shape[0] * receptive
}

// Fill sets every element of t to v.
func Fill(t *autograd.Tensor, v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

// Normal fills t from N(0, std²).
func Normal(rng *rand.Rand, t *autograd.Tensor, std float64) {
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64() * std)
	}
}

// Uniform fills t from U(a, b).
func Uniform(rng *rand.Rand, t *autograd.Tensor, a, b float64) {
	for i := range t.Data {
		t.Data[i] = float32(a + (b-a)*rng.Float64())
	}
}

// leakyReLUGain is PyTorch's calculate_gain("leaky_relu", a): √(2/(1+a²)).
func leakyReLUGain(a float64) float64 { return math.Sqrt(2 / (1 + a*a)) }

// KaimingNormal fills t from N(0, gain²/fan_in) with gain √(2/(1+a²)), as
// torch.nn.init.kaiming_normal_(t, a, mode="fan_in"); a=0 suits ReLU.
func KaimingNormal(rng *rand.Rand, t *autograd.Tensor, a float64) {
	fanIn, _ := Fans(t.Shape)
	Normal(rng, t, leakyReLUGain(a)/math.Sqrt(float64(fanIn)))
}

// KaimingUniform fills t from U(-b, b) with b = gain·√(3/fan_in), as
// torch.nn.init.kaiming_uniform_(t, a, mode="fan_in"). PyTorch's default
// Linear and Conv2d weights use a=√5, which gives b = 1/√fan_in.
func KaimingUniform(rng *rand.Rand, t *autograd.Tensor, a float64) {
	fanIn, _ := Fans(t.Shape)
	b := leakyReLUGain(a) * math.Sqrt(3/float64(fanIn))
	Uniform(rng, t, -b, b)
}

// XavierUniform fills t from U(-b, b) with b = √(6/(fan_in+fan_out)), as
// torch.nn.init.xavier_uniform_ (used for MultiheadAttention's in_proj_weight).
func XavierUniform(rng *rand.Rand, t *autograd.Tensor) {
	fanIn, fanOut := Fans(t.Shape)
	b := math.Sqrt(6 / float64(fanIn+fanOut))
	Uniform(rng, t, -b, b)
}

// initLinearLike gives a weight [out, in, ...] and optional bias PyTorch's
// default Linear/Conv2d initialisation: weight kaiming_uniform(a=√5), bias
// U(-1/√fan_in, 1/√fan_in).
func initLinearLike(rng *rand.Rand, w, b *autograd.Tensor) {
	KaimingUniform(rng, w, math.Sqrt(5))
	if b != nil {
		fanIn, _ := Fans(w.Shape)
		bound := 1 / math.Sqrt(float64(fanIn))
		Uniform(rng, b, -bound, bound)
	}
}
