package nn

import (
	"fmt"
	"github.com/mmpoison/mmpoison/internal/hugepages"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
)

// Optimizer updates parameters from their accumulated gradients.
type Optimizer interface {
	Step()            // one update of every trainable parameter that has a gradient
	LR() float64      // the current learning rate
	SetLR(lr float64) // set by the schedule before each Step
	ZeroGrad()        // clear the gradients of the optimised parameters
	StepCount() int   // how many Steps were taken (restored by LoadStateDict)
	StateDict() map[string]*autograd.Tensor
	LoadStateDict(src map[string]*autograd.Tensor) error
}

// ParamGroup is a set of parameters sharing a weight decay.
type ParamGroup struct {
	Params      []Named
	WeightDecay float64
}

// NoDecay reports whether a parameter should be excluded from weight decay
// as CLIP training does: tensors with fewer than 2 dimensions (biases,
// LayerNorm/BatchNorm gains, logit_scale), names ending in "bias", names
// containing "logit_scale", and names containing any of extra.
func NoDecay(n Named, extra ...string) bool {
	if n.Tensor.Dims() < 2 || strings.HasSuffix(n.Name, "bias") || strings.Contains(n.Name, "logit_scale") {
		return true
	}
	for _, s := range extra {
		if s != "" && strings.Contains(n.Name, s) {
			return true
		}
	}
	return false
}

// SplitDecay puts the parameters NoDecay(n, extra...) selects into a group
// without weight decay and the rest into a group with weightDecay. Empty
// groups are dropped.
func SplitDecay(params []Named, weightDecay float64, extra ...string) []ParamGroup {
	var decay, plain []Named
	for _, n := range params {
		if NoDecay(n, extra...) {
			plain = append(plain, n)
		} else {
			decay = append(decay, n)
		}
	}
	var out []ParamGroup
	if len(decay) > 0 {
		out = append(out, ParamGroup{Params: decay, WeightDecay: weightDecay})
	}
	if len(plain) > 0 {
		out = append(out, ParamGroup{Params: plain})
	}
	return out
}

// slot is one parameter's optimiser state.
type slot struct {
	name string
	p    *autograd.Tensor
	wd   float64
	step int
	bufs [][]float32 // one per slotSet kind; nil until the first update
}

// active reports whether the parameter takes part in this step.
func (s *slot) active() bool { return s.p.RequiresGrad() && s.p.HasGrad() }

// ensure allocates the state buffers (zeroed) on the first update, so
// frozen parameters never cost optimiser memory.
func (s *slot) ensure() {
	for k := range s.bufs {
		if s.bufs[k] == nil {
			s.bufs[k] = hugepages.Floats(len(s.p.Data))
		}
	}
}

// slotSet is the per-parameter state shared by the optimisers; kinds names
// the buffers (PyTorch's names: "exp_avg", "momentum_buffer", ...).
type slotSet struct {
	kind  string // optimiser name for errors
	kinds []string
	slots []*slot
	steps int
}

func newSlotSet(kind string, kinds []string, groups []ParamGroup) (slotSet, error) {
	s := slotSet{kind: kind, kinds: kinds}
	seen := map[string]bool{}
	for gi, g := range groups {
		if g.WeightDecay < 0 {
			return s, fmt.Errorf("%s: group %d has negative weight decay %g", kind, gi, g.WeightDecay)
		}
		for _, n := range g.Params {
			if n.Tensor == nil || n.Name == "" {
				return s, fmt.Errorf("%s: group %d has an unnamed or nil parameter (use nn.NamedParams)", kind, gi)
			}
			if seen[n.Name] {
				return s, fmt.Errorf("%s: parameter %q appears twice; each parameter may be in one group only", kind, n.Name)
			}
			seen[n.Name] = true
			s.slots = append(s.slots, &slot{name: n.Name, p: n.Tensor, wd: g.WeightDecay, bufs: make([][]float32, len(kinds))})
		}
	}
	if len(s.slots) == 0 {
		return s, fmt.Errorf("%s: no parameters to optimise", kind)
	}
	return s, nil
}

func (s *slotSet) zeroGrad() {
	for _, sl := range s.slots {
		sl.p.ZeroGrad()
	}
}

// stateDict exports "<param>.step" and "<param>.<kind>" for every parameter
// that has been updated at least once, plus the optimiser's own "step".
func (s *slotSet) stateDict() map[string]*autograd.Tensor {
	out := map[string]*autograd.Tensor{"step": autograd.Scalar(float32(s.steps))}
	for _, sl := range s.slots {
		if sl.step == 0 {
			continue
		}
		out[sl.name+".step"] = autograd.Scalar(float32(sl.step))
		for k, kind := range s.kinds {
			if sl.bufs[k] != nil {
				out[sl.name+"."+kind] = autograd.New(append([]float32(nil), sl.bufs[k]...), sl.p.Shape...)
			}
		}
	}
	return out
}

// loadStateDict replaces all state with src's; parameters absent from src
// start fresh. Unknown keys or wrong shapes are errors and leave the state unchanged.
func (s *slotSet) loadStateDict(src map[string]*autograd.Tensor) error {
	byName := make(map[string]*slot, len(s.slots))
	for _, sl := range s.slots {
		byName[sl.name] = sl
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	scalar := func(key string, t *autograd.Tensor) int {
		if t == nil || len(t.Data) != 1 || t.Data[0] < 0 {
			bad("%s: want one non-negative count", key)
			return 0
		}
		return int(t.Data[0])
	}
	steps := 0
	if t, ok := src["step"]; ok {
		steps = scalar("step", t)
	} else {
		bad("missing key \"step\"")
	}
	type load struct {
		sl   *slot
		step int
		bufs [][]float32
	}
	loads := map[*slot]*load{}
	get := func(sl *slot) *load {
		if loads[sl] == nil {
			loads[sl] = &load{sl: sl, bufs: make([][]float32, len(s.kinds))}
		}
		return loads[sl]
	}
	for key, t := range src {
		if key == "step" {
			continue
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 || byName[key[:i]] == nil {
			bad("unexpected key %q (no such parameter)", key)
			continue
		}
		sl, suffix := byName[key[:i]], key[i+1:]
		if suffix == "step" {
			get(sl).step = scalar(key, t)
			continue
		}
		k := indexOf(s.kinds, suffix)
		switch {
		case k < 0:
			bad("unexpected key %q (want one of step, %s)", key, strings.Join(s.kinds, ", "))
		case t == nil || len(t.Data) != len(sl.p.Data):
			bad("%s: shape %v does not match parameter shape %v", key, shapeOf(t), sl.p.Shape)
		default:
			get(sl).bufs[k] = t.Data
		}
	}
	for _, l := range loads {
		if l.step == 0 {
			bad("%s: state buffers without a positive %s.step", l.sl.name, l.sl.name)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%s: load optimiser state: %s (was it saved for the same model and optimiser?)", s.kind, strings.Join(problems, "; "))
	}
	s.steps = steps
	for _, sl := range s.slots {
		sl.step = 0
		l := loads[sl]
		if l != nil {
			sl.step = l.step
		}
		for k := range sl.bufs {
			if l == nil || l.bufs[k] == nil {
				sl.bufs[k] = nil
				continue
			}
			sl.bufs[k] = append(sl.bufs[k][:0], l.bufs[k]...)
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func shapeOf(t *autograd.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}
