package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/autograd"
)

// block and tower mimic a ResNet-style encoder to test nested naming.
type block struct {
	Conv1 *Conv2d
	BN1   *BatchNorm2d
}

func (b *block) Walk(w *Walker, prefix string) {
	w.Child(prefix, "conv1", b.Conv1)
	w.Child(prefix, "bn1", b.BN1)
}

type tower struct {
	Stem       *Conv2d
	Layer1     List
	Head       Sequential
	Missing    *block // optional submodule left nil: must not appear
	LogitScale *autograd.Tensor
}

func (m *tower) Walk(w *Walker, prefix string) {
	w.Child(prefix, "visual.conv1", m.Stem)
	w.Child(prefix, "visual.layer1", m.Layer1)
	w.Child(prefix, "head", m.Head)
	w.Child(prefix, "missing", m.Missing)
	w.Param(prefix, "logit_scale", m.LogitScale)
}

func newTower(seed uint64) *tower {
	rng := rand.New(rand.NewPCG(seed, 0))
	return &tower{
		Stem: NewConv2d(rng, 3, 4, 3, 1, 1, false),
		Layer1: List{
			&block{NewConv2d(rng, 4, 4, 3, 1, 1, false), NewBatchNorm2d(4)},
			&block{NewConv2d(rng, 4, 4, 1, 1, 0, true), NewBatchNorm2d(4)},
		},
		Head:       Sequential{ReLU, NewConv2d(rng, 4, 2, 1, 1, 0, true)},
		LogitScale: autograd.Param(),
	}
}

func TestNestedNames(t *testing.T) {
	m := newTower(1)
	var names []string
	Walk(m, func(n Named) { names = append(names, n.Name) })
	bn := func(p string) []string {
		return []string{p + ".weight", p + ".bias", p + ".running_mean", p + ".running_var", p + ".num_batches_tracked"}
	}
	want := []string{"visual.conv1.weight", "visual.layer1.0.conv1.weight"}
	want = append(want, bn("visual.layer1.0.bn1")...)
	want = append(want, "visual.layer1.1.conv1.weight", "visual.layer1.1.conv1.bias")
	want = append(want, bn("visual.layer1.1.bn1")...)
	want = append(want, "head.1.weight", "head.1.bias", "logit_scale")
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names\n got %v\nwant %v", names, want)
	}
	params := NamedParams(m)
	if len(params) != len(want)-6 { // 2 BatchNorms × 3 buffers
		t.Fatalf("NamedParams has %d entries, want %d (buffers excluded)", len(params), len(want)-6)
	}
	for _, p := range params {
		if strings.Contains(p.Name, "running") || strings.Contains(p.Name, "num_batches") {
			t.Fatalf("NamedParams includes buffer %s", p.Name)
		}
	}
	var mods []string
	Modules(m, func(name string, _ Module) { mods = append(mods, name) })
	if got := strings.Join(mods, ","); got != ",visual.conv1,visual.layer1,visual.layer1.0,visual.layer1.0.conv1,visual.layer1.0.bn1,visual.layer1.1,visual.layer1.1.conv1,visual.layer1.1.bn1,head,head.0,head.1" {
		t.Fatalf("Modules order: %s", got)
	}
	NameTensors(m)
	if m.Layer1[1].(*block).BN1.RunningVar.Name != "visual.layer1.1.bn1.running_var" {
		t.Fatalf("NameTensors gave %q", m.Layer1[1].(*block).BN1.RunningVar.Name)
	}
}

func TestSetTrainingAndFreeze(t *testing.T) {
	m := newTower(1)
	SetTraining(m, false)
	for _, b := range m.Layer1 {
		if b.(*block).BN1.Training {
			t.Fatal("SetTraining(false) left a nested BatchNorm in training mode")
		}
	}
	Freeze(m, true)
	for _, p := range Parameters(m) {
		if p.RequiresGrad() {
			t.Fatal("Freeze(true) left a trainable parameter")
		}
	}
	Freeze(m, false)
	if !m.Stem.Weight.RequiresGrad() {
		t.Fatal("Freeze(false) did not unfreeze")
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	a, b := newTower(1), newTower(2)
	a.Layer1[0].(*block).BN1.RunningMean.Data[2] = 0.75
	a.LogitScale.Data[0] = 4.6
	bWeight := b.Stem.Weight // loading must copy into existing tensors, not replace them
	if err := LoadStateDict(b, StateDict(a), true); err != nil {
		t.Fatal(err)
	}
	if b.Stem.Weight != bWeight {
		t.Fatal("LoadStateDict replaced a tensor instead of copying into it")
	}
	sa, sb := StateList(a), StateList(b)
	for i := range sa {
		if !reflect.DeepEqual(sa[i].Tensor.Data, sb[i].Tensor.Data) {
			t.Fatalf("%s differs after loading", sa[i].Name)
		}
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	src := StateDict(newTower(1))
	delete(src, "visual.layer1.0.bn1.running_var")
	src["visual.fc.weight"] = autograd.Zeros(2)
	src["head.1.bias"] = autograd.Zeros(3) // model has [2]
	dst := newTower(2)
	before := append([]float32(nil), dst.Stem.Weight.Data...)
	err := LoadStateDict(dst, src, true)
	var e *StateDictError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *StateDictError", err)
	}
	if !reflect.DeepEqual(e.Missing, []string{"visual.layer1.0.bn1.running_var"}) ||
		!reflect.DeepEqual(e.Unexpected, []string{"visual.fc.weight"}) ||
		len(e.Mismatched) != 1 || !strings.Contains(e.Mismatched[0], "head.1.bias: source [3], model [2]") {
		t.Fatalf("error details: %+v", e)
	}
	if !reflect.DeepEqual(before, dst.Stem.Weight.Data) {
		t.Fatal("a failed load copied values")
	}
	// Non-strict: missing and unexpected keys are fine, a wrong shape is not.
	src["head.1.bias"] = autograd.Zeros(2)
	if err := LoadStateDict(dst, src, false); err != nil {
		t.Fatalf("non-strict load: %v", err)
	}
	if !reflect.DeepEqual(dst.Stem.Weight.Data, src["visual.conv1.weight"].Data) {
		t.Fatal("non-strict load did not copy the present keys")
	}
	src["head.1.bias"] = autograd.Zeros(1, 2)
	if err := LoadStateDict(dst, src, false); err == nil || !strings.Contains(err.Error(), "shape mismatch") {
		t.Fatalf("non-strict load with a wrong shape: err = %v", err)
	}
}

func TestParseActivation(t *testing.T) {
	for s, want := range map[string]Activation{"gelu": GELU, "QuickGELU": QuickGELU, "quick_gelu": QuickGELU, " relu ": ReLU} {
		if got, err := ParseActivation(s); err != nil || got != want {
			t.Errorf("ParseActivation(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseActivation("swish"); err == nil {
		t.Error("ParseActivation accepted swish")
	}
}

// A wholly wrong file must not print every key: the message shows a few
// names and counts the rest, while the error keeps the full lists.
func TestStateDictErrorCapsItsListing(t *testing.T) {
	e := &StateDictError{}
	for i := range 400 {
		e.Missing = append(e.Missing, fmt.Sprintf("transformer.resblocks.%d.attn.in_proj_weight", i))
	}
	msg := e.Error()
	if len(msg) > 600 || !strings.Contains(msg, "400 missing keys") || !strings.Contains(msg, "and 395 more") {
		t.Errorf("%d-byte message %q: want the count, five names and \"and 395 more\"", len(msg), msg)
	}
	if len(e.Missing) != 400 {
		t.Error("the error's own list was cut")
	}
}
