package autograd

import "testing"

// chainLoss is sum((relu(x·2)+1)·x) over a big x, so every intermediate is
// large enough for the arena.
func chainLoss(g *Tape, x *Tensor) *Tensor {
	a := g.MulScalar(x, 2)
	b := g.AddScalar(g.ReLU(a), 1)
	return g.SumAll(g.Mul(b, x))
}

// chainGrad is d chainLoss/dx by hand: relu(2x)+1 + x·2·[x>0].
func chainGrad(x float32) float32 {
	if x > 0 {
		return 2*x + 1 + 2*x
	}
	return 1
}

func bigParam(n int) *Tensor {
	rng := newRNG(3)
	return randParam(rng, -1, 1, n)
}

func TestBackwardRecyclesIntermediateGradients(t *testing.T) {
	x := bigParam(1 << 17)
	g := NewTape()
	a := g.MulScalar(x, 2)
	keep := g.ReLU(a)
	keep.RetainGrad()
	loss := g.SumAll(g.Mul(g.AddScalar(keep, 1), x))
	g.Backward(loss)
	if a.Grad != nil {
		t.Fatal("intermediate gradient kept after Backward without RetainGrad")
	}
	if keep.Grad == nil || keep.Grad[0] != x.Data[0] {
		t.Fatalf("retained gradient lost or wrong: d loss/d relu = x, got %v want %v", keep.Grad[:1], x.Data[0])
	}
	for i, v := range x.Data {
		if want := chainGrad(v); abs32(x.Grad[i]-want) > 1e-5 {
			t.Fatalf("x.Grad[%d] = %v, want %v", i, x.Grad[i], want)
		}
	}
	// Forward data (4 big tensors: a, relu, +1, product) and the retained
	// gradient are still held; the other gradients went back to the pool.
	if got, want := g.Memory().InUse, 5*4*len(x.Data); got > want+4096 {
		t.Fatalf("tape holds %d bytes after Backward, want about %d", got, want)
	}
}

func TestReshapeSharesGradientLazily(t *testing.T) {
	x := randParam(newRNG(4), -1, 1, 2, 3)
	g := NewTape()
	y := g.MulScalar(x, 3)
	r := g.Reshape(y, 3, 2)
	r.RetainGrad() // also keeps y's buffer, which r shares
	if y.Grad != nil || r.Grad != nil {
		t.Fatal("Reshape allocated a gradient during the forward pass")
	}
	g.Backward(g.SumAll(g.Mul(r, r)))
	for i, v := range x.Data {
		if want := 18 * v; abs32(x.Grad[i]-want) > 1e-5 { // d(9x²)/dx
			t.Fatalf("x.Grad[%d] = %v, want %v", i, x.Grad[i], want)
		}
		if want := 6 * v; abs32(r.Grad[i]-want) > 1e-5 || &r.Grad[0] != &y.Grad[0] {
			t.Fatalf("r.Grad[%d] = %v, want %v in y's buffer", i, r.Grad[i], want)
		}
	}
}

func TestReleaseDataKeepsGradientsAndLowersPeak(t *testing.T) {
	run := func(release bool) (grad []float32, loss float32, peak int) {
		x := bigParam(1 << 17)
		g := NewTape()
		g.SetReleaseData(release)
		// Eight scaled copies multiplied together: the copies' gradients
		// pile up while the products' backward runs, which released
		// product data can absorb.
		var hs []*Tensor
		for i := 1; i <= 8; i++ {
			hs = append(hs, g.MulScalar(x, 0.25*float32(i)))
		}
		p := hs[0]
		for _, h := range hs[1:] {
			p = g.Mul(p, h)
		}
		l := g.SumAll(p)
		g.Backward(l)
		return x.Grad, l.Item(), g.Memory().PeakInUse
	}
	keptGrad, keptLoss, keptPeak := run(false)
	gotGrad, gotLoss, gotPeak := run(true)
	if gotLoss != keptLoss {
		t.Fatalf("loss %v after Backward with released data, want %v", gotLoss, keptLoss)
	}
	for i := range keptGrad {
		if gotGrad[i] != keptGrad[i] {
			t.Fatalf("grad[%d] = %v with released data, %v without", i, gotGrad[i], keptGrad[i])
		}
	}
	// Forward: 15 buffers. Without release the copies' 8 gradients come on
	// top (peak ≈ 23); with release they take the products' place (≈ 17).
	t.Logf("peak %d B released, %d B kept", gotPeak, keptPeak)
	if gotPeak >= keptPeak*17/20 {
		t.Fatalf("peak %d B with released data, %d B without: want a clear drop", gotPeak, keptPeak)
	}
}

func TestResetReusesBuffersAcrossSteps(t *testing.T) {
	x := bigParam(1 << 17)
	g := NewTape()
	g.SetReleaseData(true)
	var held int
	for step := 0; step < 4; step++ {
		g.Reset()
		g.Backward(chainLoss(g, x))
		m := g.Memory()
		if step == 1 {
			held = m.InUse + m.Free
		}
		if step > 1 && m.InUse+m.Free != held {
			t.Fatalf("step %d: tape holds %d bytes, step 1 held %d: buffers are not reused", step, m.InUse+m.Free, held)
		}
	}
}

func TestFreeSinceKeepsOnlyTheResult(t *testing.T) {
	x := bigParam(1 << 17)
	g := NewTape()
	g.SetNoGrad(true)
	before := g.Mark()
	first := g.MulScalar(x, 2)
	m := g.Mark()
	h := g.Exp(first)
	for i := 0; i < 3; i++ {
		h = g.MulScalar(g.AddScalar(h, 1), 0.5)
	}
	want := append([]float32(nil), h.Data...)
	g.FreeSince(m, h)
	if got := g.Memory().InUse; got != 2*4*len(x.Data) {
		t.Fatalf("after FreeSince the tape uses %d bytes, want the %d of first and h", got, 2*4*len(x.Data))
	}
	h2 := g.MulScalar(x, 3) // reuses a freed buffer and must not clobber h
	for i := range want {
		if h.Data[i] != want[i] || first.Data[i] != 2*x.Data[i] || h2.Data[i] != 3*x.Data[i] {
			t.Fatalf("element %d changed after FreeSince", i)
		}
	}
	g.FreeSince(before)
	if got := g.Memory().InUse; got != 0 {
		t.Fatalf("FreeSince(before) left %d bytes in use", got)
	}

	g.SetNoGrad(false) // recording: backward needs everything, nothing is freed
	m = g.Mark()
	y := g.MulScalar(x, 2)
	g.FreeSince(m)
	if !g.owns(y.Data) {
		t.Fatal("FreeSince recycled a buffer while recording")
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
