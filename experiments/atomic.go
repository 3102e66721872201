package experiments

import (
	"encoding/json"
	"fmt"

	"github.com/mmpoison/mmpoison/internal/atomicfile"
)

// WriteFileAtomic writes data to path atomically (see atomicfile.Write).
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// WriteJSONAtomic writes v as indented JSON to path atomically (see
// WriteFileAtomic).
func WriteJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}
