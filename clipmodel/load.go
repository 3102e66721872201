package clipmodel

import (
	"fmt"
	"strings"

	"github.com/mmpoison/mmpoison/nn"
)

// ignoredKeys are entries of OpenAI checkpoints that are configuration or
// derived constants, not weights: build_model deletes the first three, and
// TorchScript dumps may carry the causal attention mask.
var ignoredKeys = map[string]bool{
	"input_resolution": true,
	"context_length":   true,
	"vocab_size":       true,
}

func isIgnoredKey(name string) bool {
	return ignoredKeys[name] || name == "attn_mask" || strings.HasSuffix(name, ".attn_mask")
}

// LoadWeights reads the weights ReadStateDict finds at path (an mmpoison
// checkpoint, a state dict with OpenAI's or transformers' names, or a
// folder of one) into m, in place. A shape mismatch is always an error; with strict,
// every other key must match too, except BatchNorm's num_batches_tracked,
// which only counts training steps and some checkpoints omit. Nothing is
// changed unless every check passes.
func LoadWeights(m *Model, path string, strict bool) error {
	src, err := ReadStateDict(path)
	if err != nil {
		return fmt.Errorf("load weights %s: %w", path, err)
	}
	// Fill absent step counters with the model's own, so strict loading
	// accepts checkpoints without them.
	for _, n := range nn.StateList(m) {
		if _, ok := src[n.Name]; !ok && strings.HasSuffix(n.Name, ".num_batches_tracked") {
			src[n.Name] = n.Tensor.Clone()
		}
	}
	if err := nn.LoadStateDict(m, src, strict); err != nil {
		return fmt.Errorf("load weights %s into model %q: %w", path, m.Config.Name, err)
	}
	return nil
}
