package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

func TestGradcheckExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "caught, GradCheck:") {
		t.Errorf("want two passing checks and one caught bug, got:\n%s", out.String())
	}
}

// The custom op's values and gradient against hand-computed ones:
// softplus(0) = ln 2, softplus'(0) = 1/2, softplus(2) = ln(1+e²) ≈ 2.126928.
func TestSoftplusByHand(t *testing.T) {
	x := autograd.Param(2)
	x.Data[0], x.Data[1] = 0, 2
	g := autograd.NewTape()
	y := softplus(g, x)
	if d := y.Data[0] - 0.693147; d > 1e-6 || d < -1e-6 {
		t.Errorf("softplus(0) = %v, want ln 2", y.Data[0])
	}
	if d := y.Data[1] - 2.126928; d > 1e-6 || d < -1e-6 {
		t.Errorf("softplus(2) = %v, want 2.126928", y.Data[1])
	}
	g.Backward(g.SumAll(y))
	if x.Grad[0] != 0.5 {
		t.Errorf("softplus'(0) = %v, want 0.5", x.Grad[0])
	}
	if d := x.Grad[1] - 0.880797; d > 1e-6 || d < -1e-6 {
		t.Errorf("softplus'(2) = %v, want sigmoid(2) = 0.880797", x.Grad[1])
	}
}
