package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

func TestFans(t *testing.T) {
	in, out := Fans([]int{8, 3, 5, 5})
	if in != 75 || out != 200 {
		t.Fatalf("Fans([8 3 5 5]) = %d, %d, want 75, 200", in, out)
	}
}

// moments returns the sample mean and variance.
func moments(x []float32) (mean, variance float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, variance / float64(len(x)-1)
}

func TestInitialisersMatchPyTorchDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const out, in = 200, 50 // 10000 samples: variance estimates within a few percent
	w := autograd.Zeros(out, in)

	KaimingUniform(rng, w, math.Sqrt(5)) // PyTorch default Linear: U(±1/√in)
	bound := 1 / math.Sqrt(in)
	for _, v := range w.Data {
		if math.Abs(float64(v)) > bound {
			t.Fatalf("KaimingUniform(a=√5) value %v outside ±%v", v, bound)
		}
	}
	if _, v := moments(w.Data); math.Abs(v/(bound*bound/3)-1) > 0.05 {
		t.Errorf("KaimingUniform variance %v, want %v", v, bound*bound/3)
	}

	KaimingNormal(rng, w, 0) // std √(2/in)
	if m, v := moments(w.Data); math.Abs(v/(2.0/in)-1) > 0.05 || math.Abs(m) > 0.01 {
		t.Errorf("KaimingNormal mean %v variance %v, want 0 and %v", m, v, 2.0/in)
	}

	XavierUniform(rng, w)
	xb := math.Sqrt(6.0 / (in + out))
	if _, v := moments(w.Data); math.Abs(v/(xb*xb/3)-1) > 0.05 {
		t.Errorf("XavierUniform variance %v, want %v", v, xb*xb/3)
	}

	Uniform(rng, w, 2, 3)
	if m, _ := moments(w.Data); math.Abs(m-2.5) > 0.01 {
		t.Errorf("Uniform(2,3) mean %v, want 2.5", m)
	}

	// Same seed, same values: initialisation depends only on the explicit rng.
	a, b := autograd.Zeros(4, 4), autograd.Zeros(4, 4)
	Normal(rand.New(rand.NewPCG(1, 1)), a, 0.02)
	Normal(rand.New(rand.NewPCG(1, 1)), b, 0.02)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatal("Normal with equal seeds gave different values")
		}
	}
}
