package nn_test

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// golden holds one PyTorch golden file (made by testdata/make_golden.py).
type golden struct {
	t    *testing.T
	file string
	m    map[string]safetensors.Tensor
}

func loadGolden(t *testing.T, name string) golden {
	t.Helper()
	path := filepath.Join("testdata", name+".safetensors")
	ts, _, err := safetensors.Read(path)
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 nn/testdata/make_golden.py)", err)
	}
	return golden{t: t, file: path, m: safetensors.ByName(ts)}
}

func (g golden) get(key string) safetensors.Tensor {
	g.t.Helper()
	v, ok := g.m[key]
	if !ok {
		g.t.Fatalf("%s: no tensor %q", g.file, key)
	}
	return v
}

// leaf is a fresh constant tensor holding a golden tensor's values.
func (g golden) leaf(key string) *autograd.Tensor {
	v := g.get(key)
	return autograd.New(slices.Clone(v.Data), v.Shape...)
}

// param is leaf with gradients on (an input whose gradient is checked).
func (g golden) param(key string) *autograd.Tensor {
	p := g.leaf(key)
	p.SetRequiresGrad(true)
	return p
}

// load copies a golden tensor into an existing parameter of the same shape.
func (g golden) load(dst *autograd.Tensor, key string) {
	g.t.Helper()
	v := g.get(key)
	if !autograd.SameShape(dst.Shape, v.Shape) && !(len(dst.Data) == len(v.Data) && len(v.Shape) == 0) {
		g.t.Fatalf("%s: %q has shape %v, the layer's tensor %v", g.file, key, v.Shape, dst.Shape)
	}
	copy(dst.Data, v.Data)
}

// expect compares got with the golden tensor key: every element must satisfy
// |got−want| ≤ tol·(|want| + rms(want)). The rms term judges elements that
// cancel to nearly zero on the tensor's own scale instead of demanding a
// relative accuracy float32 arithmetic cannot give them.
func (g golden) expect(key string, got []float32, tol float64) {
	g.t.Helper()
	want := g.get(key).Data
	if len(got) != len(want) {
		g.t.Errorf("%s: got %d values, golden has %d", key, len(got), len(want))
		return
	}
	var ss float64
	for _, w := range want {
		ss += float64(w) * float64(w)
	}
	rms := math.Sqrt(ss / float64(max(len(want), 1)))
	worst, at := 0.0, -1
	for i := range want {
		err := math.Abs(float64(got[i]) - float64(want[i]))
		if !(err <= tol*(math.Abs(float64(want[i]))+rms)) { // also catches NaN
			g.t.Errorf("%s[%d] = %g, PyTorch %g (|diff| %.3g > tol %g · (|want| + rms %.3g))",
				key, i, got[i], want[i], err, tol, rms)
			return
		}
		if r := err / (math.Abs(float64(want[i])) + rms); r > worst {
			worst, at = r, i
		}
	}
	g.t.Logf("%-24s worst scaled error %.2g at %d (tol %g)", key, worst, at, tol)
}

// backwardWith runs the tape backwards as if y's upstream gradient were dy,
// via the scalar loss Σ y·dy.
func backwardWith(tape *autograd.Tape, y, dy *autograd.Tensor) {
	tape.Backward(tape.SumAll(tape.Mul(y, dy)))
}
