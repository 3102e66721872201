package clipmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// Checkpoint names: the model's tensors go under "model.", the optimiser's
// under "optim."; the training position and configs are JSON metadata.
const (
	modelPrefix = "model."
	optimPrefix = "optim."
	trainPrefix = "train."
	metaKey     = "mmpoison"
)

// TrainState is where a run stands: enough, with the seed, to continue it
// exactly. Data order and augmentation are pure functions of (seed, step),
// so no RNG state beyond these numbers is needed.
type TrainState struct {
	Step    int          `json:"step"`  // optimiser steps taken
	Epoch   int          `json:"epoch"` // epoch the next step belongs to
	Seed    uint64       `json:"seed"`
	Model   Config       `json:"model"`
	Options TrainOptions `json:"options"`
	// Defense and Extra are a training-time defense's memory (its caption
	// pool or safe set); Extra's tensors are saved under "train.".
	Defense DefenseState                `json:"defense,omitzero"`
	Extra   map[string]*autograd.Tensor `json:"-"`
}

// SaveCheckpoint writes model weights, optimiser state and the training
// state atomically to path (temporary file, then rename).
func SaveCheckpoint(path string, m *Model, opt nn.Optimizer, st TrainState) error {
	var ts []safetensors.Tensor
	for _, n := range nn.StateList(m) {
		ts = append(ts, safetensors.Tensor{Name: modelPrefix + n.Name, Shape: n.Tensor.Shape, Data: n.Tensor.Data})
	}
	if opt != nil {
		for name, t := range opt.StateDict() {
			ts = append(ts, safetensors.Tensor{Name: optimPrefix + name, Shape: t.Shape, Data: t.Data})
		}
	}
	for name, t := range st.Extra {
		ts = append(ts, safetensors.Tensor{Name: trainPrefix + name, Shape: t.Shape, Data: t.Data})
	}
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return safetensors.Write(path, ts, map[string]string{metaKey: string(meta)})
}

// ReadCheckpoint reads a checkpoint's training state and tensors.
func ReadCheckpoint(path string) (TrainState, map[string]*autograd.Tensor, map[string]*autograd.Tensor, error) {
	var st TrainState
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return st, nil, nil, err
	}
	raw, ok := meta[metaKey]
	if !ok {
		return st, nil, nil, fmt.Errorf("checkpoint %s has no %q metadata: not an mmpoison checkpoint (for bare weights use --init)", path, metaKey)
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return st, nil, nil, fmt.Errorf("checkpoint %s: bad metadata: %w", path, err)
	}
	model, optim := map[string]*autograd.Tensor{}, map[string]*autograd.Tensor{}
	for _, t := range ts {
		switch {
		case strings.HasPrefix(t.Name, modelPrefix):
			model[strings.TrimPrefix(t.Name, modelPrefix)] = autograd.New(t.Data, t.Shape...)
		case strings.HasPrefix(t.Name, optimPrefix):
			optim[strings.TrimPrefix(t.Name, optimPrefix)] = autograd.New(t.Data, t.Shape...)
		case strings.HasPrefix(t.Name, trainPrefix):
			if st.Extra == nil {
				st.Extra = map[string]*autograd.Tensor{}
			}
			st.Extra[strings.TrimPrefix(t.Name, trainPrefix)] = autograd.New(t.Data, t.Shape...)
		}
	}
	return st, model, optim, nil
}

// LoadModel rebuilds a model from a checkpoint written by SaveCheckpoint.
func LoadModel(path string) (*Model, TrainState, error) {
	st, weights, _, err := ReadCheckpoint(path)
	if err != nil {
		return nil, st, err
	}
	m, err := New(st.Model, st.Seed)
	if err != nil {
		return nil, st, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := nn.LoadStateDict(m, weights, true); err != nil {
		return nil, st, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return m, st, nil
}

// fileExists reports whether path exists (errors other than absence count as existing).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// LoadWeightsFile is strict LoadWeights: every weight of m must come from
// path, an mmpoison checkpoint, a state dict or a weights folder.
func LoadWeightsFile(m *Model, path string) error { return LoadWeights(m, path, true) }
