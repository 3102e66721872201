package autograd

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/internal/tune"
)

// convUnderPlan runs Conv2d forward and backward with plan as the process's
// plan and returns y, dx and dw.
func convUnderPlan(t *testing.T, plan *tune.Plan, n, c, o, h int) (y, dx, dw []float32) {
	t.Helper()
	old := tune.SetCurrent(plan)
	defer tune.SetCurrent(old)
	r := rand.New(rand.NewPCG(3, 4))
	x := convTestRandParam(r, n, c, h, h)
	w := convTestRandParam(r, o, c, 3, 3)
	g := NewTape()
	out := g.Conv2d(x, w, nil, 1, 1)
	g.Backward(convTestLoss(g, out, convTestWeights(r, len(out.Data))))
	return append([]float32(nil), out.Data...), x.Grad, w.Grad
}

func sameBits(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// A plan's choice is the path Conv2d takes: pinned to Winograd on a shape
// the static thresholds send direct, its bits are Winograd's, not direct's.
func TestConvFollowsThePlan(t *testing.T) {
	const n, c, o, h = 3, 32, 32, 8
	geo := conv.NewGeom(c, h, h, 3, 3, 1, 1)
	if winogradFits(NewTape(), &geo, o) {
		t.Fatal("the static thresholds already take Winograd here; pick a shape they send direct")
	}
	key := "conv3x3 c32 o32 8x8 n4 fp32 train t"
	direct := [3][]float32{}
	direct[0], direct[1], direct[2] = convUnderPlan(t, tune.NewStatic(), n, c, o, h)
	pinned := tune.NewPinned(nil)
	probe, _ := tune.NewMeasured("")
	convUnderPlan(t, probe, n, c, o, h) // learns the key's thread suffix
	for k := range probe.Choices() {
		if !strings.HasPrefix(k, key) {
			t.Fatalf("plan key %q, want it to start %q (batch rounded up to a power of two)", k, key)
		}
		pinned = tune.NewPinned(map[string]string{k: convWinograd})
	}
	if len(probe.Choices()) != 1 {
		t.Fatalf("measured plan holds %v, want one choice for the one layer", probe.Choices())
	}

	oldMin, oldSide := winoMinChannels, winoMaxSide
	winoMinChannels, winoMaxSide = 1, 64
	wino := [3][]float32{}
	wino[0], wino[1], wino[2] = convUnderPlan(t, tune.NewStatic(), n, c, o, h)
	winoMinChannels, winoMaxSide = oldMin, oldSide

	y, dx, dw := convUnderPlan(t, pinned, n, c, o, h)
	for i, got := range [][]float32{y, dx, dw} {
		if !sameBits(got, wino[i]) {
			t.Fatalf("output %d under a plan pinned to Winograd differs from the Winograd path", i)
		}
		if sameBits(got, direct[i]) {
			t.Fatalf("output %d under a plan pinned to Winograd is the direct path's, bit for bit", i)
		}
	}
}

// A forward-only tape is its own shape class: inference may choose
// differently from training.
func TestConvPlanKeysSeparateInference(t *testing.T) {
	plan, _ := tune.NewMeasured("")
	old := tune.SetCurrent(plan)
	defer tune.SetCurrent(old)
	r := rand.New(rand.NewPCG(5, 6))
	x := convTestRandParam(r, 2, 32, 8, 8)
	w := convTestRandParam(r, 32, 32, 3, 3)
	g := NewTape()
	g.SetNoGrad(true)
	g.Conv2d(x, w, nil, 1, 1)
	keys := plan.Keys()
	if len(keys) != 1 || !strings.Contains(keys[0], " infer ") {
		t.Fatalf("plan keys %v, want one inference class", keys)
	}
}

// Once a class is chosen, the training step looks the choice up without
// allocating.
func TestConvChoiceLookupDoesNotAllocate(t *testing.T) {
	old := tune.SetCurrent(tune.NewPinned(nil))
	defer tune.SetCurrent(old)
	g := NewTape()
	geo := conv.NewGeom(32, 8, 8, 3, 3, 1, 1)
	want := g.convAlgorithm(&geo, 4, 32, false)
	allocs := testing.AllocsPerRun(100, func() {
		if got := g.convAlgorithm(&geo, 4, 32, false); got != want {
			t.Fatalf("choice changed from %s to %s", want, got)
		}
	})
	if allocs != 0 {
		t.Fatalf("a known class's lookup allocates %.1f times", allocs)
	}
}
