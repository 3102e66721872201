package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

func randTensor(rng *rand.Rand, shape ...int) *autograd.Tensor {
	t := autograd.Zeros(shape...)
	Normal(rng, t, 1)
	return t
}

// naiveLinear is y[r,o] = Σi x[r,i]·w[o,i] + b[o] in float64.
func naiveLinear(x []float64, rows, in int, w, b []float32, out int) []float64 {
	y := make([]float64, rows*out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if b != nil {
				s = float64(b[o])
			}
			for i := 0; i < in; i++ {
				s += x[r*in+i] * float64(w[o*in+i])
			}
			y[r*out+o] = s
		}
	}
	return y
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func TestLinearForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, bias := range []bool{true, false} {
		l := NewLinear(rng, 5, 3, bias)
		x := randTensor(rng, 2, 4, 5)
		g := autograd.NewTape()
		y := l.Forward(g, x)
		if !autograd.SameShape(y.Shape, []int{2, 4, 3}) {
			t.Fatalf("Linear output shape %v, want [2 4 3]", y.Shape)
		}
		var b []float32
		if bias {
			b = l.Bias.Data
		}
		assertClose(t, "linear", y.Data, naiveLinear(f64(x.Data), 8, 5, l.Weight.Data, b, 3), 1e-5)
	}
}

func TestLayerNormForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const rows, d = 3, 7
	ln := NewLayerNorm(d)
	Normal(rng, ln.Weight, 1)
	Normal(rng, ln.Bias, 1)
	x := randTensor(rng, rows, d)
	y := ln.Forward(autograd.NewTape(), x)
	want := make([]float64, rows*d)
	for r := 0; r < rows; r++ {
		row := f64(x.Data[r*d : (r+1)*d])
		mean, vr := 0.0, 0.0
		for _, v := range row {
			mean += v / d
		}
		for _, v := range row {
			vr += (v - mean) * (v - mean) / d // biased variance, as PyTorch
		}
		for i, v := range row {
			want[r*d+i] = (v-mean)/math.Sqrt(vr+1e-5)*float64(ln.Weight.Data[i]) + float64(ln.Bias.Data[i])
		}
	}
	assertClose(t, "layernorm", y.Data, want, 1e-5)
}

// naiveMHA is PyTorch's MultiheadAttention forward for self-attention in float64.
func naiveMHA(m *MultiheadAttention, x []float32, b, tlen, d int, causal bool) []float64 {
	h, dh := m.Heads, d/m.Heads
	qkv := naiveLinear(f64(x), b*tlen, d, m.InProjWeight.Data, m.InProjBias.Data, 3*d)
	ctx := make([]float64, b*tlen*d)
	for bi := 0; bi < b; bi++ {
		for hi := 0; hi < h; hi++ {
			at := func(t, part, j int) float64 { return qkv[(bi*tlen+t)*3*d+part*d+hi*dh+j] }
			for i := 0; i < tlen; i++ {
				scores := make([]float64, tlen)
				mx := math.Inf(-1)
				for j := 0; j < tlen; j++ {
					if causal && j > i {
						scores[j] = math.Inf(-1)
						continue
					}
					for e := 0; e < dh; e++ {
						scores[j] += at(i, 0, e) * at(j, 1, e)
					}
					scores[j] /= math.Sqrt(float64(dh))
					mx = math.Max(mx, scores[j])
				}
				sum := 0.0
				for j := range scores {
					scores[j] = math.Exp(scores[j] - mx)
					sum += scores[j]
				}
				for e := 0; e < dh; e++ {
					acc := 0.0
					for j := 0; j < tlen; j++ {
						acc += scores[j] / sum * at(j, 2, e)
					}
					ctx[(bi*tlen+i)*d+hi*dh+e] = acc
				}
			}
		}
	}
	return naiveLinear(ctx, b*tlen, d, m.OutProj.Weight.Data, m.OutProj.Bias.Data, d)
}

func newTestMHA(t *testing.T, rng *rand.Rand, d, heads int, causal bool) *MultiheadAttention {
	m, err := NewMultiheadAttention(rng, d, heads, causal)
	if err != nil {
		t.Fatal(err)
	}
	// PyTorch starts the biases at zero; random ones make the test see them.
	Normal(rng, m.InProjBias, 0.5)
	Normal(rng, m.OutProj.Bias, 0.5)
	return m
}

func TestMultiheadAttentionForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const b, tlen, d, heads = 2, 5, 12, 3
	for _, causal := range []bool{false, true} {
		m := newTestMHA(t, rng, d, heads, causal)
		x := randTensor(rng, b, tlen, d)
		y := m.Forward(autograd.NewTape(), x)
		if !autograd.SameShape(y.Shape, []int{b, tlen, d}) {
			t.Fatalf("MHA output shape %v", y.Shape)
		}
		assertClose(t, "mha", y.Data, naiveMHA(m, x.Data, b, tlen, d, causal), 1e-4)
	}
	if _, err := NewMultiheadAttention(rng, 10, 3, false); err == nil {
		t.Fatal("NewMultiheadAttention accepted width 10 with 3 heads")
	}
	var names []string
	Walk(newTestMHA(t, rng, 4, 2, false), func(n Named) { names = append(names, n.Name) })
	if got := len(names); got != 4 || names[0] != "in_proj_weight" || names[1] != "in_proj_bias" || names[2] != "out_proj.weight" || names[3] != "out_proj.bias" {
		t.Fatalf("MHA names %v", names)
	}
}

// weightedSum is Σ y·r for a fixed random r, a loss whose gradient reaches
// every output element with a different weight.
func weightedSum(g *autograd.Tape, y, r *autograd.Tensor) *autograd.Tensor {
	return g.SumAll(g.Mul(y, r))
}

func TestLayerGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const b, tlen, d = 2, 3, 4
	x := randTensor(rng, b, tlen, d)
	x.SetRequiresGrad(true)
	mha := newTestMHA(t, rng, d, 2, true)
	ln := NewLayerNorm(d)
	Normal(rng, ln.Weight, 1)
	Normal(rng, ln.Bias, 1)
	mlp := NewMLP(rng, d, 6, QuickGELU)
	gelu := NewMLP(rng, d, 5, GELU)
	cases := []struct {
		name string
		m    Layer
	}{
		{"linear", NewLinear(rng, d, 3, true)},
		{"layernorm", ln},
		{"mha", mha},
		{"mlp-quickgelu", mlp},
		{"mlp-gelu", gelu},
		{"sequential", Sequential{NewLinear(rng, d, 5, false), GELU, NewLinear(rng, 5, 2, true)}}, // GELU: ReLU's kink defeats finite differences
	}
	for _, c := range cases {
		r := randTensor(rng, c.m.Forward(autograd.NewTape(), x).Shape...)
		inputs := append([]*autograd.Tensor{x}, Parameters(c.m)...)
		f := func(g *autograd.Tape) *autograd.Tensor { return weightedSum(g, c.m.Forward(g, x), r) }
		if err := autograd.GradCheck(f, inputs, 1e-2, 2e-2, 2e-2); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestBatchNormModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	bn := NewBatchNorm2d(2)
	x := randTensor(rng, 3, 2, 2, 2)
	g := autograd.NewTape()
	bn.Forward(g, x)
	bn.Forward(g, x)
	if bn.NumBatchesTracked.Data[0] != 2 {
		t.Fatalf("num_batches_tracked = %v after two training batches, want 2", bn.NumBatchesTracked.Data[0])
	}
	// Running mean after two updates with momentum 0.1: 0.19·batch mean.
	mean := 0.0
	for n := 0; n < 3; n++ {
		for i := 0; i < 4; i++ {
			mean += float64(x.Data[n*8+i]) / 12
		}
	}
	if math.Abs(float64(bn.RunningMean.Data[0])-0.19*mean) > 1e-5 {
		t.Fatalf("running_mean[0] = %v, want %v", bn.RunningMean.Data[0], 0.19*mean)
	}
	SetTraining(bn, false)
	bn.RunningMean.Data[0], bn.RunningVar.Data[0] = 1, 4
	y := bn.Forward(g, x)
	if want := (float64(x.Data[0]) - 1) / math.Sqrt(4+1e-5); math.Abs(float64(y.Data[0])-want) > 1e-5 || bn.NumBatchesTracked.Data[0] != 2 {
		t.Fatalf("eval mode: y[0] = %v, want %v from running statistics (batches %v)", y.Data[0], want, bn.NumBatchesTracked.Data[0])
	}
}

func TestEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	e := NewEmbedding(rng, 6, 3, 0.02)
	ids := []int{4, 0, 4}
	y := e.Forward(autograd.NewTape(), ids)
	for r, id := range ids {
		for j := 0; j < 3; j++ {
			if y.Data[r*3+j] != e.Weight.Data[id*3+j] {
				t.Fatalf("row %d col %d = %v, want table row %d", r, j, y.Data[r*3+j], id)
			}
		}
	}
	if err := e.CheckIDs([]int{0, 5}); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckIDs([]int{1, 6}); err == nil {
		t.Fatal("CheckIDs accepted id 6 in a vocabulary of 6")
	}
	r := randTensor(rng, 3, 3)
	f := func(g *autograd.Tape) *autograd.Tensor { return weightedSum(g, e.Forward(g, ids), r) }
	if err := autograd.GradCheck(f, []*autograd.Tensor{e.Weight}, 1e-2, 1e-2, 1e-2); err != nil {
		t.Fatal(err) // id 4 is used twice: its gradient must be the sum of both rows
	}
}
