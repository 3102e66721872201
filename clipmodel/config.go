// Package clipmodel is the CLIP model: an image tower and a text tower
// trained together with the symmetric InfoNCE loss, plus training with
// checkpoints, embedding and retrieval evaluation.
package clipmodel

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

// Config describes a CLIP model, in the layout of open_clip's model configs.
type Config struct {
	Name     string        `json:"name,omitempty"`
	Comment  string        `json:"comment,omitempty"`
	EmbedDim int           `json:"embed_dim"`
	Vision   vision.Config `json:"vision_cfg"`
	Text     text.Config   `json:"text_cfg"`
}

// Validate reports the first inconsistency in c.
func (c Config) Validate() error {
	if c.EmbedDim <= 0 {
		return fmt.Errorf("model config %s: embed_dim must be positive, got %d", c.Name, c.EmbedDim)
	}
	if err := c.Vision.Validate(); err != nil {
		return fmt.Errorf("model config %s: %w", c.Name, err)
	}
	if err := c.Text.Validate(); err != nil {
		return fmt.Errorf("model config %s: %w", c.Name, err)
	}
	return nil
}

//go:embed configs/*.json
var presetFiles embed.FS

// Presets lists the names of the built-in model configs.
func Presets() []string {
	entries, _ := presetFiles.ReadDir("configs")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// LoadConfig reads a model config: a preset name (tiny, small, peer-resnet,
// peer-vit, RN50, ViT-B-32) or the path of a JSON file. A text vocab_size of
// 0 means "take it from the tokenizer"; Validate is left to the caller for
// that reason.
func LoadConfig(nameOrPath string) (Config, error) {
	var c Config
	b, err := presetFiles.ReadFile(path.Join("configs", nameOrPath+".json"))
	source := "preset " + nameOrPath
	if err != nil {
		b, err = os.ReadFile(nameOrPath)
		if err != nil {
			return c, fmt.Errorf("model config %q is neither a preset (%s) nor a readable file: %w", nameOrPath, strings.Join(Presets(), ", "), err)
		}
		source = nameOrPath
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("model config %s: %w", source, err)
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(path.Base(nameOrPath), ".json")
	}
	return c, nil
}
