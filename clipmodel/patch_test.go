package clipmodel

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/vision"
)

// randomTarget is a unit vector of n dims.
func randomTarget(rng *rand.Rand, n int) []float32 {
	t := make([]float32, n)
	var l float64
	for i := range t {
		t[i] = float32(rng.NormFloat64())
		l += float64(t[i]) * float64(t[i])
	}
	for i := range t {
		t[i] /= float32(math.Sqrt(l))
	}
	return t
}

// The patch gradient is the gradient of the mean similarity with respect to
// the patch's pixel levels: checked against central differences on the
// pixels it weighs most.
func TestPatchGradientMatchesFiniteDifferences(t *testing.T) {
	for _, typ := range []string{"vit", "basic_resnet"} {
		t.Run(typ, func(t *testing.T) {
			f := newResumeFixture(t, typ)
			m, err := New(f.cfg, 5)
			if err != nil {
				t.Fatal(err)
			}
			defer nn.EvalMode(m)()
			rng := rand.New(rand.NewPCG(1, 2))
			target := randomTarget(rng, f.cfg.EmbedDim)
			s, side, n := f.cfg.Vision.ImageSize, 6, 4
			slots := []int{0, 3, 5, 9}
			x0s, y0s := []int{10, 0, 4, 10}, []int{10, 2, 7, 0}
			patch := make([]float64, side*side*3)
			for i := range patch {
				patch[i] = float64(20 + rng.IntN(200))
			}
			buf := make([]float32, n*3*s*s)
			g := autograd.NewTape()
			objective := func(p []float64, grad []float64) float64 {
				if err := vision.FillBatch(buf, f.im.Cache, slots, nil, nil); err != nil {
					t.Fatal(err)
				}
				return m.patchObjective(g, buf, n, target, p, side, x0s, y0s, grad)
			}
			grad := make([]float64, len(patch))
			objective(patch, grad)
			order := make([]int, len(grad))
			for i := range order {
				order[i] = i
			}
			sort.Slice(order, func(a, b int) bool { return math.Abs(grad[order[a]]) > math.Abs(grad[order[b]]) })
			scratch := make([]float64, len(patch))
			for _, i := range order[:4] {
				const h = 4 // levels; the stamp rounds to whole levels
				p := slices.Clone(patch)
				p[i] += h
				up := objective(p, scratch)
				p[i] -= 2 * h
				down := objective(p, scratch)
				fd := (up - down) / (2 * h)
				want := grad[i] / (255 * float64(vision.CLIPStd[i%3]))
				if math.Abs(fd-want) > 0.15*math.Abs(want)+1e-6 {
					t.Errorf("pixel %d: gradient %.3g, central difference %.3g", i, want, fd)
				}
			}
		})
	}
}

// Optimising raises the similarity to the target, leaves the weights as
// they were and gives every parameter its gradient back.
func TestOptimizePatchRaisesSimilarity(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	m, err := New(f.cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for _, p := range nn.NamedParams(m) {
		before[p.Name] = slices.Clone(p.Tensor.Data)
	}
	target := randomTarget(rand.New(rand.NewPCG(3, 4)), f.cfg.EmbedDim)
	slots := make([]int, f.im.Cache.Len())
	for i := range slots {
		slots[i] = i
	}
	pix, sims, err := m.OptimizePatch(f.im.Cache, slots, target, PatchOptions{Side: 6, Steps: 30, Batch: 16, StepSize: 8, Seed: 1, Random: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(pix) != 6*6*3 || len(sims) != 30 {
		t.Fatalf("%d pixels and %d similarities, want 108 and 30", len(pix), len(sims))
	}
	mean := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	if first, last := mean(sims[:5]), mean(sims[25:]); last <= first+0.05 {
		t.Errorf("mean similarity to the target went from %.3f to %.3f: the patch did not learn", first, last)
	}
	for _, p := range nn.NamedParams(m) {
		if !slices.Equal(before[p.Name], p.Tensor.Data) {
			t.Errorf("weights %s changed", p.Name)
		}
		if !p.Tensor.RequiresGrad() {
			t.Errorf("%s left frozen", p.Name)
		}
	}
	for _, bad := range []PatchOptions{{Side: 0, Steps: 1, Batch: 1, StepSize: 1}, {Side: 99, Steps: 1, Batch: 1, StepSize: 1}, {Side: 4, Steps: 0, Batch: 1, StepSize: 1}, {Side: 4, Steps: 1, Batch: 1, StepSize: math.NaN()}} {
		if _, _, err := m.OptimizePatch(f.im.Cache, slots, target, bad); err == nil {
			t.Errorf("options %+v accepted", bad)
		}
	}
	if _, _, err := m.OptimizePatch(f.im.Cache, slots, target[:3], PatchOptions{Side: 4, Steps: 1, Batch: 1, StepSize: 1}); err == nil {
		t.Error("a 3-dim target accepted")
	}
}
