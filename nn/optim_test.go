package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/internal/parallel"
)

// refParam is a float64 mirror of a parameter for the reference optimisers.
type refParam struct {
	p, m, v, buf []float64
	wd           float64
	step         int
}

func newRef(t *autograd.Tensor, wd float64) *refParam {
	r := &refParam{wd: wd, p: make([]float64, len(t.Data)), m: make([]float64, len(t.Data)), v: make([]float64, len(t.Data))}
	for i, x := range t.Data {
		r.p[i] = float64(x)
	}
	return r
}

// refAdamW is torch.optim.AdamW written out in float64.
func refAdamW(r *refParam, g []float64, lr, b1, b2, eps float64) {
	r.step++
	bc1 := 1 - math.Pow(b1, float64(r.step))
	bc2 := 1 - math.Pow(b2, float64(r.step))
	for i := range r.p {
		r.p[i] *= 1 - lr*r.wd
		r.m[i] = b1*r.m[i] + (1-b1)*g[i]
		r.v[i] = b2*r.v[i] + (1-b2)*g[i]*g[i]
		r.p[i] -= lr / bc1 * r.m[i] / (math.Sqrt(r.v[i])/math.Sqrt(bc2) + eps)
	}
}

// refSGD is torch.optim.SGD written out in float64.
func refSGD(r *refParam, g []float64, lr, mu, damp float64, nesterov bool) {
	for i := range r.p {
		d := g[i] + r.wd*r.p[i]
		if mu != 0 {
			if r.step == 0 {
				if r.buf == nil {
					r.buf = make([]float64, len(r.p))
				}
				r.buf[i] = d
			} else {
				r.buf[i] = mu*r.buf[i] + (1-damp)*d
			}
			if nesterov {
				d += mu * r.buf[i]
			} else {
				d = r.buf[i]
			}
		}
		r.p[i] -= lr * d
	}
	r.step++
}

func randParam(rng *rand.Rand, shape ...int) *autograd.Tensor {
	p := autograd.Param(shape...)
	Normal(rng, p, 1)
	return p
}

func assertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+math.Abs(want[i])) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %.8g, want %.8g (diff %.3g)", what, i, got[i], want[i], d)
		}
	}
}

func TestAdamWFirstStepHandComputed(t *testing.T) {
	// Step 1 of Adam has m̂ = g and v̂ = g², so the update is lr·g/(|g|+ε):
	// p = 1·(1 − 0.1·0.01) − 0.1·0.5/0.5 = 0.899 and q = −2 + 0.1 = −1.9 (no decay).
	p := autograd.New([]float32{1}, 1, 1)
	p.SetRequiresGrad(true)
	q := autograd.New([]float32{-2}, 1)
	q.SetRequiresGrad(true)
	p.Grad, q.Grad = []float32{0.5}, []float32{-3}
	groups := SplitDecay([]Named{{Name: "w", Tensor: p}, {Name: "b", Tensor: q}}, 0.01)
	opt, err := NewAdamW(groups, AdamWConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	opt.Step()
	if math.Abs(float64(p.Data[0])-0.899) > 1e-6 || math.Abs(float64(q.Data[0])+1.9) > 1e-6 {
		t.Fatalf("after one step p=%v q=%v, want 0.899 and -1.9", p.Data[0], q.Data[0])
	}
}

func TestAdamWMatchesReferenceWithDecayGroupsAndClipping(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := randParam(rng, 3, 4)
	b := randParam(rng, 4)
	scale := randParam(rng)
	frozen := randParam(rng, 2, 2)
	frozen.SetRequiresGrad(false)
	frozenBefore := append([]float32(nil), frozen.Data...)
	named := []Named{{"layer.weight", w, false}, {"layer.bias", b, false}, {"logit_scale", scale, false}, {"frozen.weight", frozen, false}}
	const lr, wd, b1, b2, eps, maxNorm = 0.01, 0.2, 0.9, 0.98, 1e-6, 1.5
	groups := SplitDecay(named, wd)
	if len(groups) != 2 || len(groups[0].Params) != 2 || groups[0].Params[0].Name != "layer.weight" {
		t.Fatalf("SplitDecay groups = %+v, want decay group {layer.weight, frozen.weight}", groups)
	}
	opt, err := NewAdamW(groups, AdamWConfig{LR: lr, Beta1: b1, Beta2: b2, Eps: eps})
	if err != nil {
		t.Fatal(err)
	}
	params := []*autograd.Tensor{w, b, scale}
	refs := []*refParam{newRef(w, wd), newRef(b, 0), newRef(scale, 0)}
	sched := CosineSchedule{Base: lr, Min: lr / 10, Warmup: 2, Total: 6}
	for step := 0; step < 6; step++ {
		grads := make([][]float64, len(params))
		var sq float64
		for i, p := range params {
			p.Grad = make([]float32, len(p.Data))
			grads[i] = make([]float64, len(p.Data))
			for j := range p.Grad {
				p.Grad[j] = float32(rng.NormFloat64())
				grads[i][j] = float64(p.Grad[j])
				sq += grads[i][j] * grads[i][j]
			}
		}
		if step == 3 {
			b.Grad = nil // no gradient reached the bias: it must not move, its step count must not advance
			grads[1] = nil
		}
		norm := ClipGradNorm(append(params, frozen), maxNorm)
		if math.Abs(norm-math.Sqrt(sq)) > 1e-4*norm && step != 3 {
			t.Fatalf("step %d: ClipGradNorm returned %v, want %v", step, norm, math.Sqrt(sq))
		}
		opt.SetLR(sched.LR(step))
		opt.Step()
		for i, r := range refs {
			if grads[i] == nil {
				continue
			}
			var total float64
			for j := range params {
				for _, g := range grads[j] {
					total += g * g
				}
			}
			c := math.Min(1, maxNorm/(math.Sqrt(total)+1e-6))
			g := make([]float64, len(grads[i]))
			for j := range g {
				g[j] = grads[i][j] * c
			}
			refAdamW(r, g, sched.LR(step), b1, b2, eps)
		}
		for i, r := range refs {
			assertClose(t, named[i].Name, params[i].Data, r.p, 2e-5)
		}
	}
	for i := range frozen.Data {
		if frozen.Data[i] != frozenBefore[i] {
			t.Fatalf("frozen parameter changed: %v -> %v", frozenBefore, frozen.Data)
		}
	}
	if st := opt.StateDict(); st["layer.bias.step"].Item() != 5 || st["layer.weight.step"].Item() != 6 || st["frozen.weight.step"] != nil {
		t.Fatalf("per-parameter steps: bias %v weight %v frozen %v, want 5, 6, absent",
			st["layer.bias.step"], st["layer.weight.step"], st["frozen.weight.step"])
	}
}

func TestSGDMatchesReference(t *testing.T) {
	cases := []SGDConfig{
		{LR: 0.1},
		{LR: 0.05, Momentum: 0.9},
		{LR: 0.05, Momentum: 0.9, Dampening: 0.1},
		{LR: 0.05, Momentum: 0.8, Nesterov: true},
	}
	for _, cfg := range cases {
		rng := rand.New(rand.NewPCG(3, 4))
		w := randParam(rng, 5, 3)
		b := randParam(rng, 3)
		opt, err := NewSGD(SplitDecay([]Named{{"w", w, false}, {"b", b, false}}, 0.01), cfg)
		if err != nil {
			t.Fatal(err)
		}
		refs := []*refParam{newRef(w, 0.01), newRef(b, 0)}
		for step := 0; step < 4; step++ {
			for i, p := range []*autograd.Tensor{w, b} {
				p.Grad = make([]float32, len(p.Data))
				g := make([]float64, len(p.Data))
				for j := range g {
					p.Grad[j] = float32(rng.NormFloat64())
					g[j] = float64(p.Grad[j])
				}
				refSGD(refs[i], g, cfg.LR, cfg.Momentum, cfg.Dampening, cfg.Nesterov)
			}
			opt.Step()
			assertClose(t, "w", w.Data, refs[0].p, 1e-5)
			assertClose(t, "b", b.Data, refs[1].p, 1e-5)
		}
	}
}

func TestOptimizerConfigErrors(t *testing.T) {
	p := []Named{{"w", autograd.Param(2, 2), false}}
	bad := []AdamWConfig{{LR: -1, Beta1: 0.9, Beta2: 0.9, Eps: 1e-8}, {LR: 1, Beta1: 1, Beta2: 0.9, Eps: 1e-8}, {LR: 1, Beta1: 0.9, Beta2: 0.9}}
	for _, c := range bad {
		if _, err := NewAdamW([]ParamGroup{{Params: p}}, c); err == nil {
			t.Errorf("NewAdamW(%+v) accepted a bad config", c)
		}
	}
	if _, err := NewAdamW([]ParamGroup{{Params: append(p, p...)}}, AdamWConfig{LR: 1, Eps: 1}); err == nil || !strings.Contains(err.Error(), `"w" appears twice`) {
		t.Errorf("duplicate parameter: err = %v", err)
	}
	if _, err := NewSGD([]ParamGroup{{Params: p}}, SGDConfig{LR: 1, Nesterov: true}); err == nil {
		t.Error("NewSGD accepted Nesterov without momentum")
	}
}

// stepWith gives every parameter a gradient from rng and steps.
func stepWith(opt Optimizer, rng *rand.Rand, params ...*autograd.Tensor) {
	for _, p := range params {
		if p.Grad == nil {
			p.Grad = make([]float32, len(p.Data))
		}
		for j := range p.Grad {
			p.Grad[j] = float32(rng.NormFloat64())
		}
	}
	opt.Step()
}

func TestOptimizerStateRoundTrip(t *testing.T) {
	makeOpts := func(w, b *autograd.Tensor) []Optimizer {
		g := SplitDecay([]Named{{"enc.weight", w, false}, {"enc.bias", b, false}}, 0.1)
		a, err := NewAdamW(g, AdamWConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
		if err != nil {
			t.Fatal(err)
		}
		return []Optimizer{a}
	}
	for k := 0; k < 2; k++ {
		rng := rand.New(rand.NewPCG(5, 6))
		w1, b1 := randParam(rng, 4, 3), randParam(rng, 3)
		w2, b2 := w1.Clone(), b1.Clone()
		w2.SetRequiresGrad(true)
		b2.SetRequiresGrad(true)
		var o1, o2 Optimizer
		if k == 0 {
			o1, o2 = makeOpts(w1, b1)[0], makeOpts(w2, b2)[0]
		} else {
			g1 := []ParamGroup{{Params: []Named{{"enc.weight", w1, false}, {"enc.bias", b1, false}}, WeightDecay: 0.01}}
			g2 := []ParamGroup{{Params: []Named{{"enc.weight", w2, false}, {"enc.bias", b2, false}}, WeightDecay: 0.01}}
			var err error
			if o1, err = NewSGD(g1, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true}); err != nil {
				t.Fatal(err)
			}
			if o2, err = NewSGD(g2, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 3; i++ {
			stepWith(o1, rng, w1, b1)
		}
		copy(w2.Data, w1.Data)
		copy(b2.Data, b1.Data)
		if err := o2.LoadStateDict(o1.StateDict()); err != nil {
			t.Fatal(err)
		}
		if o2.StepCount() != 3 {
			t.Fatalf("restored step count %d, want 3", o2.StepCount())
		}
		r1, r2 := rand.New(rand.NewPCG(7, 8)), rand.New(rand.NewPCG(7, 8))
		for i := 0; i < 2; i++ {
			stepWith(o1, r1, w1, b1)
			stepWith(o2, r2, w2, b2)
		}
		for i := range w1.Data {
			if w1.Data[i] != w2.Data[i] {
				t.Fatalf("optimiser %d: resumed run differs at weight %d: %v vs %v", k, i, w1.Data[i], w2.Data[i])
			}
		}
	}
}

func TestOptimizerLoadStateErrors(t *testing.T) {
	w := autograd.Param(2, 3)
	w.Grad = make([]float32, 6)
	opt, err := NewAdamW([]ParamGroup{{Params: []Named{{"w", w, false}}}}, AdamWConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	opt.Step()
	good := opt.StateDict()
	cases := map[string]func(map[string]*autograd.Tensor){
		`unexpected key "v.exp_avg"`:  func(m map[string]*autograd.Tensor) { m["v.exp_avg"] = autograd.Zeros(1) },
		`unexpected key "w.momentum"`: func(m map[string]*autograd.Tensor) { m["w.momentum"] = autograd.Zeros(2, 3) },
		"w.exp_avg: shape [4]":        func(m map[string]*autograd.Tensor) { m["w.exp_avg"] = autograd.Zeros(4) },
		`missing key "step"`:          func(m map[string]*autograd.Tensor) { delete(m, "step") },
	}
	for want, spoil := range cases {
		src := map[string]*autograd.Tensor{}
		for k, v := range good {
			src[k] = v
		}
		spoil(src)
		err := opt.LoadStateDict(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("spoiled state (%s): err = %v", want, err)
		}
	}
	if opt.StepCount() != 1 {
		t.Errorf("failed loads changed the step count to %d", opt.StepCount())
	}
}

func TestCosineSchedule(t *testing.T) {
	s := CosineSchedule{Base: 1e-3, Min: 1e-5, Warmup: 10, Total: 110}
	cases := []struct {
		step int
		want float64
	}{
		{0, 1e-4},                    // warm-up: Base·1/10
		{4, 5e-4},                    // Base·5/10
		{9, 1e-3},                    // last warm-up step reaches Base
		{10, 1e-3},                   // cosine starts at Base
		{60, 1e-5 + 0.5*(1e-3-1e-5)}, // half-way: midpoint of Base and Min
		{85, 1e-5 + 0.5*(1+math.Cos(math.Pi*0.75))*(1e-3-1e-5)},
		{110, 1e-5}, // end: the floor
		{500, 1e-5}, // past the end stays at the floor
	}
	for _, c := range cases {
		if got := s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(%d) = %g, want %g", c.step, got, c.want)
		}
	}
	if got := (CosineSchedule{Base: 1, Min: 0.5, Total: 0}).LR(0); got != 0.5 {
		t.Errorf("zero-length schedule LR(0) = %g, want the floor 0.5", got)
	}
}

func TestClipGradNorm(t *testing.T) {
	a := autograd.Param(2)
	b := autograd.Param(1)
	noGrad := autograd.Param(3)
	a.Grad, b.Grad = []float32{3, 0}, []float32{4}
	if n := ClipGradNorm([]*autograd.Tensor{a, b, noGrad}, 1); math.Abs(n-5) > 1e-9 {
		t.Fatalf("norm = %v, want 5", n)
	}
	if math.Abs(float64(a.Grad[0])-0.6) > 1e-6 || math.Abs(float64(b.Grad[0])-0.8) > 1e-6 {
		t.Fatalf("clipped grads %v %v, want [0.6 0] [0.8]", a.Grad, b.Grad)
	}
	ClipGradNorm([]*autograd.Tensor{a, b}, 10)
	if math.Abs(float64(a.Grad[0])-0.6) > 1e-6 {
		t.Fatalf("norm below the limit changed the gradients: %v", a.Grad)
	}
	a.Grad[1] = float32(math.Inf(1))
	if n := ClipGradNorm([]*autograd.Tensor{a, b}, 1); !math.IsInf(n, 1) || a.Grad[0] != 0.6 && math.Abs(float64(a.Grad[0])-0.6) > 1e-6 {
		t.Fatalf("infinite gradient: norm %v grads %v, want +Inf and untouched", n, a.Grad)
	}
	ZeroGrad([]*autograd.Tensor{a, b, noGrad})
	if a.Grad[0] != 0 || a.Grad[1] != 0 || b.Grad[0] != 0 {
		t.Fatalf("ZeroGrad left %v %v", a.Grad, b.Grad)
	}
}

func TestNoDecay(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		want  bool
	}{
		{"visual.conv1.weight", []int{4, 3, 3, 3}, false},
		{"visual.bn1.weight", []int{4}, true},
		{"proj.bias", []int{4}, true},
		{"logit_scale", nil, true},
		{"text.positional_embedding", []int{77, 8}, true}, // excluded by the extra pattern below
		{"text.token_embedding.weight", []int{10, 8}, false},
	}
	for _, c := range cases {
		n := Named{Name: c.name, Tensor: autograd.Zeros(c.shape...)}
		if got := NoDecay(n, "positional_embedding"); got != c.want {
			t.Errorf("NoDecay(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestOptimisersSkipParamsABackwardDidNotReach trains two parameters on a
// tape, then one alone: the other keeps its buffer (zeroed) but got no
// gradient, so neither momentum nor weight decay may move it, and its step
// count stays put, as PyTorch skips parameters whose grad is None.
func TestOptimisersSkipParamsABackwardDidNotReach(t *testing.T) {
	makeOpt := map[string]func([]ParamGroup) (Optimizer, error){
		"AdamW": func(g []ParamGroup) (Optimizer, error) {
			return NewAdamW(g, AdamWConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
		},
		"SGD": func(g []ParamGroup) (Optimizer, error) { return NewSGD(g, SGDConfig{LR: 0.1, Momentum: 0.9}) },
	}
	for name, mk := range makeOpt {
		t.Run(name, func(t *testing.T) {
			a := autograd.New([]float32{1, 2, 3, 4}, 2, 2)
			b := autograd.New([]float32{-1, 0.5, 2, -3}, 2, 2)
			a.SetRequiresGrad(true)
			b.SetRequiresGrad(true)
			opt, err := mk(SplitDecay([]Named{{Name: "a", Tensor: a}, {Name: "b", Tensor: b}}, 0.5))
			if err != nil {
				t.Fatal(err)
			}
			x := autograd.New([]float32{0.3, -0.7, 1.1, 0.2}, 2, 2)
			step := func(params ...*autograd.Tensor) {
				g := autograd.NewTape()
				opt.ZeroGrad()
				loss := g.SumAll(g.Mul(params[0], x))
				for _, p := range params[1:] {
					loss = g.Add(loss, g.SumAll(g.Mul(p, x)))
				}
				g.Backward(loss)
				opt.Step()
				g.Reset()
			}
			step(a, b)
			if a.HasGrad() != true || b.HasGrad() != true {
				t.Fatalf("after a backward through both: HasGrad a=%v b=%v, want true", a.HasGrad(), b.HasGrad())
			}
			before := append([]float32(nil), b.Data...)
			aBefore := append([]float32(nil), a.Data...)
			step(a)
			if b.HasGrad() || b.Grad == nil {
				t.Fatalf("b sat the backward out: HasGrad %v, buffer kept %v; want false, true", b.HasGrad(), b.Grad != nil)
			}
			for i := range before {
				if b.Data[i] != before[i] {
					t.Fatalf("b moved without a gradient: %v -> %v", before, b.Data)
				}
			}
			if a.Data[0] == aBefore[0] {
				t.Fatalf("a did not move: %v", a.Data)
			}
			st := opt.StateDict()
			if sa, sb := st["a.step"], st["b.step"]; sa != nil && sb != nil && (sa.Data[0] != 2 || sb.Data[0] != 1) {
				t.Fatalf("step counts a=%v b=%v, want 2 and 1", sa.Data[0], sb.Data[0])
			}
		})
	}
}

// Gradients longer than one block: the norm matches a float64 sum, every
// element is scaled, and the thread count changes no bit.
func TestClipGradNormOverBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	grads := func() []*autograd.Tensor {
		var ps []*autograd.Tensor
		for _, n := range []int{3*clipBlock + 5, 7, clipBlock} {
			p := autograd.Param(n)
			p.Grad = make([]float32, n)
			for i := range p.Grad {
				p.Grad[i] = float32(rng.NormFloat64())
			}
			ps = append(ps, p)
		}
		return ps
	}
	ps := grads()
	rng = rand.New(rand.NewPCG(3, 4))
	again := grads()
	var want float64
	orig := make2D(ps)
	for _, p := range ps {
		for _, g := range p.Grad {
			want += float64(g) * float64(g)
		}
	}
	want = math.Sqrt(want)
	defer parallel.SetThreads(parallel.SetThreads(1))
	n1 := ClipGradNorm(ps, 1)
	parallel.SetThreads(2)
	n2 := ClipGradNorm(again, 1)
	if math.Abs(n1-want) > 1e-12*want {
		t.Errorf("norm %v, want %v", n1, want)
	}
	if n1 != n2 {
		t.Errorf("norm on 1 thread %v, on 2 threads %v: want the same bits", n1, n2)
	}
	c := float32(1 / (want + 1e-6))
	for i, p := range ps {
		for j, g := range p.Grad {
			if g != orig[i][j]*c || again[i].Grad[j] != g {
				t.Fatalf("param %d element %d: %v after clipping (2 threads %v), want %v", i, j, g, again[i].Grad[j], orig[i][j]*c)
			}
		}
	}
}

func make2D(ps []*autograd.Tensor) [][]float32 {
	out := make([][]float32, len(ps))
	for i, p := range ps {
		out[i] = append([]float32(nil), p.Grad...)
	}
	return out
}

// ClipGradNorm runs every training step: after the first call its
// allocations do not grow with the number of gradient blocks.
func TestClipGradNormReusesItsBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items on purpose, so buffers are not reused under it")
	}
	params := func(n int) []*autograd.Tensor {
		var ps []*autograd.Tensor
		for range n {
			p := autograd.Param(2*clipBlock + 3)
			p.Grad = make([]float32, len(p.Data))
			p.Grad[0] = 1
			ps = append(ps, p)
		}
		return ps
	}
	few, many := params(1), params(40)
	allocs := func(ps []*autograd.Tensor) float64 {
		return testing.AllocsPerRun(20, func() { ClipGradNorm(ps, 1e9) })
	}
	if a, b := allocs(few), allocs(many); b > a+1 {
		t.Errorf("ClipGradNorm allocates %.0f times over 3 blocks and %.0f over 120: it should reuse its buffers", a, b)
	}
}
