package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// The goldens are computed by PyTorch in float64 from float32 inputs, so they
// are the exact answers rounded once; the tolerances below bound this
// package's float32 rounding error for problems of these (small) sizes.
const (
	tolForward = 1e-5 // a few dozen float32 products per output
	tolGrad    = 2e-5 // backward passes chain two or three such reductions
)

func newRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestParityLinear(t *testing.T) {
	g := loadGolden(t, "linear")
	l := nn.NewLinear(newRNG(), 8, 5, true)
	g.load(l.Weight, "linear.weight")
	g.load(l.Bias, "linear.bias")
	x := g.param("linear.x")
	tape := autograd.NewTape()
	y := l.Forward(tape, x)
	g.expect("linear.y", y.Data, tolForward)
	backwardWith(tape, y, g.leaf("linear.dy"))
	g.expect("linear.dx", x.Grad, tolGrad)
	g.expect("linear.dweight", l.Weight.Grad, tolGrad)
	g.expect("linear.dbias", l.Bias.Grad, tolGrad)
}

// TestParityConvBatchNorm covers Conv2d (stride 2, pad 1) feeding BatchNorm2d
// in training mode (batch statistics, running-stat update with the unbiased
// variance), then the same layers in eval mode.
func TestParityConvBatchNorm(t *testing.T) {
	g := loadGolden(t, "convbn")
	conv := nn.NewConv2d(newRNG(), 3, 4, 3, 2, 1, false)
	bn := nn.NewBatchNorm2d(4)
	g.load(conv.Weight, "convbn.conv.weight")
	g.load(bn.Weight, "convbn.bn.weight")
	g.load(bn.Bias, "convbn.bn.bias")
	x := g.param("convbn.x")
	tape := autograd.NewTape()
	c := conv.Forward(tape, x)
	y := bn.Forward(tape, c)
	c.RetainGrad() // Backward recycles intermediate gradients otherwise
	g.expect("convbn.conv_out", c.Data, tolForward)
	g.expect("convbn.y", y.Data, tolForward)
	backwardWith(tape, y, g.leaf("convbn.dy"))
	g.expect("convbn.dconv_out", c.Grad, tolGrad)
	g.expect("convbn.dx", x.Grad, tolGrad)
	g.expect("convbn.dconv.weight", conv.Weight.Grad, tolGrad)
	g.expect("convbn.dbn.weight", bn.Weight.Grad, tolGrad)
	g.expect("convbn.dbn.bias", bn.Bias.Grad, tolGrad)
	g.expect("convbn.bn.running_mean", bn.RunningMean.Data, tolForward)
	g.expect("convbn.bn.running_var", bn.RunningVar.Data, tolForward)

	bn.SetTraining(false)
	eval := autograd.NewTape()
	eval.SetNoGrad(true)
	g.expect("convbn.y_eval", bn.Forward(eval, conv.Forward(eval, x)).Data, tolForward)
}

func TestParityLayerNorm(t *testing.T) {
	g := loadGolden(t, "layernorm")
	ln := nn.NewLayerNorm(6)
	g.load(ln.Weight, "layernorm.weight")
	g.load(ln.Bias, "layernorm.bias")
	x := g.param("layernorm.x")
	tape := autograd.NewTape()
	y := ln.Forward(tape, x)
	g.expect("layernorm.y", y.Data, tolForward)
	backwardWith(tape, y, g.leaf("layernorm.dy"))
	g.expect("layernorm.dx", x.Grad, tolGrad)
	g.expect("layernorm.dweight", ln.Weight.Grad, tolGrad)
	g.expect("layernorm.dbias", ln.Bias.Grad, tolGrad)
}

// TestParityMultiheadAttention compares causal self-attention with
// nn.MultiheadAttention(8, 2, batch_first=True) under an upper-triangular mask.
func TestParityMultiheadAttention(t *testing.T) {
	g := loadGolden(t, "mha")
	m, err := nn.NewMultiheadAttention(newRNG(), 8, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	g.load(m.InProjWeight, "mha.in_proj_weight")
	g.load(m.InProjBias, "mha.in_proj_bias")
	g.load(m.OutProj.Weight, "mha.out_proj.weight")
	g.load(m.OutProj.Bias, "mha.out_proj.bias")
	x := g.param("mha.x")
	tape := autograd.NewTape()
	y := m.Forward(tape, x)
	g.expect("mha.y", y.Data, tolForward)
	backwardWith(tape, y, g.leaf("mha.dy"))
	g.expect("mha.dx", x.Grad, tolGrad)
	g.expect("mha.din_proj_weight", m.InProjWeight.Grad, tolGrad)
	g.expect("mha.din_proj_bias", m.InProjBias.Grad, tolGrad)
	g.expect("mha.dout_proj.weight", m.OutProj.Weight.Grad, tolGrad)
	g.expect("mha.dout_proj.bias", m.OutProj.Bias.Grad, tolGrad)
}

func TestParityCrossEntropy(t *testing.T) {
	g := loadGolden(t, "ce")
	logits := g.param("ce.logits")
	var targets []int
	for _, v := range g.get("ce.target").Data {
		targets = append(targets, int(v))
	}
	tape := autograd.NewTape()
	loss := tape.CrossEntropy(logits, targets)
	g.expect("ce.loss", loss.Data, tolForward)
	tape.Backward(loss)
	g.expect("ce.dlogits", logits.Grad, tolGrad)
}

// TestParityAdamW runs two steps of gradient clipping (max norm 0.5) then
// AdamW (lr 1e-2, betas 0.9/0.98, eps 1e-6), with weight decay 0.1 on the
// matrix and none on the bias, checking the clipped gradients, the moments
// and the parameters after each step.
func TestParityAdamW(t *testing.T) {
	g := loadGolden(t, "adamw")
	w, b := g.param("adamw.w.before"), g.param("adamw.b.before")
	opt, err := nn.NewAdamW([]nn.ParamGroup{
		{Params: []nn.Named{{Name: "w", Tensor: w}}, WeightDecay: 0.1},
		{Params: []nn.Named{{Name: "b", Tensor: b}}},
	}, nn.AdamWConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"adamw.step1.", "adamw.step2."} {
		w.Grad = g.leaf(step + "w.grad").Data
		b.Grad = g.leaf(step + "b.grad").Data
		norm := nn.ClipGradNorm([]*autograd.Tensor{w, b}, 0.5)
		g.expect(step+"grad_norm", []float32{float32(norm)}, tolForward)
		g.expect(step+"w.clipped_grad", w.Grad, tolForward)
		g.expect(step+"b.clipped_grad", b.Grad, tolForward)
		opt.Step()
		state := opt.StateDict()
		for _, p := range []string{"w", "b"} {
			g.expect(step+p+".exp_avg", state[p+".exp_avg"].Data, tolForward)
			g.expect(step+p+".exp_avg_sq", state[p+".exp_avg_sq"].Data, tolForward)
		}
		g.expect(step+"w.after", w.Data, tolForward)
		g.expect(step+"b.after", b.Data, tolForward)
	}
}
