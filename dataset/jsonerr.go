package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// decodeJSON unmarshals data into v; syntax and type errors name the file and
// the line the byte offset falls on.
func decodeJSON(path string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%s line %d: malformed JSON: %v", path, lineAt(data, syn.Offset), syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("%s line %d: field %q holds a JSON %s, want %s", path, lineAt(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// lineAt is the 1-based line number of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}
