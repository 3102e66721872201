package nn

import "github.com/mmpoison/mmpoison/autograd"

// Layer is a module with a one-tensor forward pass, the kind Sequential chains.
type Layer interface {
	Module
	Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor
}

// Sequential runs its layers in order; in a state dict they are named by
// index ("0.weight", "2.bias"), as torch.nn.Sequential names them.
type Sequential []Layer

func (s Sequential) Walk(w *Walker, prefix string) {
	for i, l := range s {
		w.Child(prefix, itoa(i), l)
	}
}

func (s Sequential) Forward(g *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	for _, l := range s {
		x = l.Forward(g, x)
	}
	return x
}

// List holds modules by index for naming only, as torch.nn.ModuleList; the
// owner decides how to call them.
type List []Module

func (l List) Walk(w *Walker, prefix string) {
	for i, m := range l {
		w.Child(prefix, itoa(i), m)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
