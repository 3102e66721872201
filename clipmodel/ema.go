package clipmodel

import (
	"fmt"
	"github.com/mmpoison/mmpoison/internal/hugepages"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
)

// emaLivePrefix names, inside a checkpoint's "train." tensors, the live
// (optimised) weights of a run that keeps an average: the checkpoint's
// model tensors are the average, which is what evaluation, embedding and
// the next stage read, and a resumed run needs both.
const emaLivePrefix = "ema.live."

// weightAverage is an exponential moving average of a model's weights and
// buffers (batch-norm statistics included), updated after every optimiser
// step: avg ← d·avg + (1−d)·w. The decay warms up as (1+t)/(10+t), so the
// first steps, far from the trained weights, fade out quickly.
type weightAverage struct {
	decay float64
	state []nn.Named  // the model's tensors, in StateList order
	avg   [][]float32 // their averages
	held  [][]float32 // the live weights while the average is swapped in
}

func newWeightAverage(m *Model, decay float64) *weightAverage {
	a := &weightAverage{decay: decay, state: nn.StateList(m)}
	for _, n := range a.state {
		a.avg = append(a.avg, append([]float32(nil), n.Tensor.Data...))
		a.held = append(a.held, hugepages.Floats(len(n.Tensor.Data)))
	}
	return a
}

// update folds the weights after step steps into the average.
func (a *weightAverage) update(step int) {
	d := min(a.decay, float64(1+step)/float64(10+step))
	take := float32(1 - d)
	for i, n := range a.state {
		avg := a.avg[i]
		for j, w := range n.Tensor.Data {
			avg[j] += take * (w - avg[j]) // a weight that does not move (a frozen tower) stays bit for bit
		}
	}
}

// swapIn puts the average into the model and keeps the live weights aside;
// swapOut undoes it. Copies, not slice swaps: the optimiser and the layers
// hold the tensors.
func (a *weightAverage) swapIn() {
	for i, n := range a.state {
		copy(a.held[i], n.Tensor.Data)
		copy(n.Tensor.Data, a.avg[i])
	}
}

func (a *weightAverage) swapOut() {
	for i, n := range a.state {
		copy(n.Tensor.Data, a.held[i])
	}
}

// save adds the live weights, held aside while the average is swapped in,
// to the state a checkpoint records.
func (a *weightAverage) save(st *TrainState) {
	if st.Extra == nil {
		st.Extra = map[string]*autograd.Tensor{}
	}
	for i, n := range a.state {
		st.Extra[emaLivePrefix+n.Name] = autograd.New(a.held[i], n.Tensor.Shape...)
	}
}

// resume takes the model's weights, just loaded from a checkpoint, as the
// average, and the checkpoint's live weights into the model.
func (a *weightAverage) resume(st TrainState, path string) error {
	for i, n := range a.state {
		live, ok := st.Extra[emaLivePrefix+n.Name]
		if !ok {
			return fmt.Errorf("resume: checkpoint %s holds no live weights for %s: it was written without a weight average (--ema); resume with the --ema it was made with", path, n.Name)
		}
		if len(live.Data) != len(n.Tensor.Data) {
			return fmt.Errorf("resume: checkpoint %s: live weights of %s have %d values, the model %d", path, n.Name, len(live.Data), len(n.Tensor.Data))
		}
		copy(a.avg[i], n.Tensor.Data)
		copy(n.Tensor.Data, live.Data)
	}
	return nil
}
