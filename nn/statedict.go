package nn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
)

// StateList lists m's parameters and buffers in walk order, the order a
// checkpoint writer should use.
func StateList(m Module) []Named {
	var out []Named
	Walk(m, func(n Named) { out = append(out, n) })
	return out
}

// StateDict maps every parameter and buffer name of m to its tensor. The
// tensors are m's own (not copies): clone them to snapshot.
func StateDict(m Module) map[string]*autograd.Tensor {
	out := map[string]*autograd.Tensor{}
	Walk(m, func(n Named) { out[n.Name] = n.Tensor })
	return out
}

// StateDictError lists everything wrong with a state dict being loaded.
type StateDictError struct {
	Missing    []string // in the model, not in the source
	Unexpected []string // in the source, not in the model
	Mismatched []string // "name: source [..], model [..]"
}

// listedNames is how many names an error message shows of each list; the
// full lists stay in the StateDictError fields.
const listedNames = 5

// capList joins the first listedNames items and counts the rest, so that a
// wholly wrong file gives a readable line instead of every key.
func capList(items []string, sep string) string {
	if len(items) <= listedNames {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s%s… and %d more", strings.Join(items[:listedNames], sep), sep, len(items)-listedNames)
}

func (e *StateDictError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d missing keys [%s]", len(e.Missing), capList(e.Missing, " ")))
	}
	if len(e.Unexpected) > 0 {
		parts = append(parts, fmt.Sprintf("%d unexpected keys [%s]", len(e.Unexpected), capList(e.Unexpected, " ")))
	}
	if len(e.Mismatched) > 0 {
		parts = append(parts, "shape mismatch: "+capList(e.Mismatched, "; "))
	}
	return "load state dict: " + strings.Join(parts, "; ") +
		" (check that the checkpoint was saved from a model with the same architecture and sizes)"
}

// LoadStateDict copies src's values into m's parameters and buffers (in
// place, so optimisers holding them stay valid). A shape mismatch is always
// an error; with strict, missing and unexpected keys are errors too. Nothing
// is copied unless every check passes.
func LoadStateDict(m Module, src map[string]*autograd.Tensor, strict bool) error {
	dst := StateList(m)
	e := &StateDictError{}
	seen := make(map[string]bool, len(dst))
	for _, n := range dst {
		seen[n.Name] = true
		s, ok := src[n.Name]
		switch {
		case !ok || s == nil:
			e.Missing = append(e.Missing, n.Name)
		case !autograd.SameShape(s.Shape, n.Tensor.Shape) || len(s.Data) != len(n.Tensor.Data):
			e.Mismatched = append(e.Mismatched, fmt.Sprintf("%s: source %v, model %v", n.Name, s.Shape, n.Tensor.Shape))
		}
	}
	for name := range src {
		if !seen[name] {
			e.Unexpected = append(e.Unexpected, name)
		}
	}
	sort.Strings(e.Unexpected)
	if len(e.Mismatched) > 0 || strict && (len(e.Missing) > 0 || len(e.Unexpected) > 0) {
		return e
	}
	for _, n := range dst {
		if s, ok := src[n.Name]; ok && s != nil {
			copy(n.Tensor.Data, s.Data)
		}
	}
	return nil
}
