package nn

import (
	"fmt"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
)

// Activation is a parameter-free non-linearity; it is a Layer, so it can sit
// in a Sequential (taking an index there as in PyTorch).
type Activation int

const (
	GELU      Activation = iota // exact GELU with erf, as torch.nn.GELU()
	QuickGELU                   // x·σ(1.702x), as OpenAI CLIP
	ReLU
)

var activationNames = [...]string{"gelu", "quick_gelu", "relu"}

func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation reads a config name: gelu, quick_gelu (or quickgelu), relu.
func ParseActivation(s string) (Activation, error) {
	key := strings.ToLower(strings.TrimSpace(s))
	if key == "quickgelu" {
		key = "quick_gelu"
	}
	for i, n := range activationNames {
		if key == n {
			return Activation(i), nil
		}
	}
	return GELU, fmt.Errorf("unknown activation %q: want one of %s", s, strings.Join(activationNames[:], ", "))
}

func (a Activation) Walk(*Walker, string) {}

// Forward applies the non-linearity element-wise.
func (a Activation) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	switch a {
	case GELU:
		return g.GELU(x)
	case QuickGELU:
		return g.QuickGELU(x)
	case ReLU:
		return g.ReLU(x)
	}
	panic(fmt.Sprintf("nn: unknown activation %d", int(a)))
}
