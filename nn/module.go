// Package nn builds networks from autograd operations: layers that own their
// parameters, PyTorch-style hierarchical names for those parameters, state
// dicts, initialisers, optimisers, the learning-rate schedule and gradient
// clipping.
//
// A Module reports its parameters, buffers and submodules to a Walker in a
// fixed order, under dotted names such as "visual.layer1.0.conv1.weight".
// Everything that needs names (state dicts, optimiser groups, checkpoints)
// is built on that one walk, so a layer only has to implement Walk.
package nn

import "github.com/mmpoison/mmpoison/autograd"

// Module is anything that owns named tensors or contains other modules.
type Module interface {
	// Walk reports the module's own parameters and buffers with w.Param and
	// w.Buffer and its submodules with w.Child, always in the same order.
	Walk(w *Walker, prefix string)
}

// Named is a parameter or buffer together with its full dotted name.
type Named struct {
	Name   string
	Tensor *autograd.Tensor
	Buffer bool // true for non-trainable state such as BatchNorm running statistics
}

// Walker receives what modules report during a walk. Modules call its
// methods; the functions of this package create it.
type Walker struct {
	tensor func(Named)
	module func(name string, m Module)
}

// Join appends name to a dotted prefix ("" + "x" = "x", "a" + "x" = "a.x").
func Join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	if name == "" {
		return prefix
	}
	return prefix + "." + name
}

// Param reports a trainable tensor named prefix.name; nil tensors (an absent
// optional bias) are skipped.
func (w *Walker) Param(prefix, name string, t *autograd.Tensor) {
	if t != nil && w.tensor != nil {
		w.tensor(Named{Name: Join(prefix, name), Tensor: t})
	}
}

// Buffer reports a non-trainable tensor that belongs in the state dict.
func (w *Walker) Buffer(prefix, name string, t *autograd.Tensor) {
	if t != nil && w.tensor != nil {
		w.tensor(Named{Name: Join(prefix, name), Tensor: t, Buffer: true})
	}
}

// Child walks submodule m under prefix.name; a nil m is skipped.
func (w *Walker) Child(prefix, name string, m Module) {
	if isNil(m) {
		return
	}
	full := Join(prefix, name)
	if w.module != nil {
		w.module(full, m)
	}
	m.Walk(w, full)
}

// Walk visits every parameter and buffer of m in order.
func Walk(m Module, visit func(Named)) {
	m.Walk(&Walker{tensor: visit}, "")
}

// NamedParams lists m's parameters (not buffers) in walk order.
func NamedParams(m Module) []Named {
	var out []Named
	Walk(m, func(n Named) {
		if !n.Buffer {
			out = append(out, n)
		}
	})
	return out
}

// Parameters lists m's parameter tensors in walk order.
func Parameters(m Module) []*autograd.Tensor {
	return Tensors(NamedParams(m))
}

// Tensors strips the names from a list.
func Tensors(named []Named) []*autograd.Tensor {
	out := make([]*autograd.Tensor, len(named))
	for i, n := range named {
		out[i] = n.Tensor
	}
	return out
}

// Modules calls visit for m (named "") and every submodule below it, parents first.
func Modules(m Module, visit func(name string, m Module)) {
	visit("", m)
	m.Walk(&Walker{module: visit}, "")
}

// NameTensors sets each parameter's and buffer's Tensor.Name to its full
// dotted name, so that error messages from autograd name it.
func NameTensors(m Module) {
	Walk(m, func(n Named) { n.Tensor.Name = n.Name })
}

// Freeze marks every parameter of m as frozen (no gradient, skipped by
// optimisers) or, with frozen false, as trainable again.
func Freeze(m Module, frozen bool) {
	for _, p := range Parameters(m) {
		p.SetRequiresGrad(!frozen)
	}
}

// trainingSetter is implemented by modules whose forward pass depends on
// the mode (BatchNorm2d).
type trainingSetter interface {
	SetTraining(on bool)
	IsTraining() bool
}

// SetTraining switches every module under m that has a train/eval mode.
func SetTraining(m Module, on bool) {
	Modules(m, func(_ string, sub Module) {
		if s, ok := sub.(trainingSetter); ok {
			s.SetTraining(on)
		}
	})
}

// EvalMode switches every module under m to evaluation and returns a
// function that gives each its previous mode back, so a tower kept in
// evaluation on purpose (a frozen one) stays there.
func EvalMode(m Module) (restore func()) {
	var was []trainingSetter
	var on []bool
	Modules(m, func(_ string, sub Module) {
		if s, ok := sub.(trainingSetter); ok {
			was, on = append(was, s), append(on, s.IsTraining())
			s.SetTraining(false)
		}
	})
	return func() {
		for i, s := range was {
			s.SetTraining(on[i])
		}
	}
}
