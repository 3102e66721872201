package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// entry is one tensor's description as it appears in the JSON header.
type entry struct {
	DType   string   `json:"dtype"`
	Shape   *[]int64 `json:"shape"`
	Offsets []int64  `json:"data_offsets"`
}

// info is a header entry after checking, with its position in the data buffer.
type info struct {
	name       string
	dtypeName  string
	dtype      dtype
	shape      []int
	numel      int64
	begin, end int64
}

// parseHeader decodes the JSON header and checks every entry against the
// size of the data buffer that follows it. Nothing is allocated in proportion
// to a number taken from the header.
func parseHeader(hdr []byte, bufLen int64) ([]info, map[string]string, error) {
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, nil, errors.New("header is not a JSON object (does not start with '{')")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("bad JSON header: %v", err)
	}
	var infos []info
	var meta map[string]string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("bad JSON header: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("bad JSON header: expected a key, got %v", tok)
		}
		if seen[key] {
			return nil, nil, fmt.Errorf("bad JSON header: key %q appears twice", key)
		}
		seen[key] = true
		if key == metadataKey {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, fmt.Errorf("bad JSON header: %s must map strings to strings: %v", metadataKey, err)
			}
			continue
		}
		var e entry
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("bad JSON header: tensor %q: %v", key, err)
		}
		in, err := checkEntry(key, e, bufLen)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, in)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("bad JSON header: %v", err)
	}
	if rest := bytes.TrimRight(hdr[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, nil, fmt.Errorf("bad JSON header: %d unexpected bytes after the object", len(rest))
	}
	return infos, meta, nil
}

// checkEntry validates one tensor's dtype, shape and offsets against the data
// buffer length, with overflow-safe arithmetic.
func checkEntry(name string, e entry, bufLen int64) (info, error) {
	dt, err := lookupDtype(e.DType)
	if err != nil {
		return info{}, fmt.Errorf("tensor %q: %v", name, err)
	}
	if e.Shape == nil {
		return info{}, fmt.Errorf("tensor %q: header has no shape", name)
	}
	if len(e.Offsets) != 2 {
		return info{}, fmt.Errorf("tensor %q: data_offsets must be [begin, end], got %d numbers", name, len(e.Offsets))
	}
	maxElems := bufLen / int64(dt.size)
	numel := int64(1)
	shape := make([]int, 0, min(len(*e.Shape), 64))
	for _, d := range *e.Shape {
		if d < 0 {
			return info{}, fmt.Errorf("tensor %q: negative dimension %d in shape %v", name, d, *e.Shape)
		}
		if d > 0 && numel > maxElems/d {
			return info{}, fmt.Errorf("tensor %q: shape %v needs more data than the file holds (%d bytes; file truncated?)", name, *e.Shape, bufLen)
		}
		numel *= d
		shape = append(shape, int(d))
	}
	begin, end := e.Offsets[0], e.Offsets[1]
	switch {
	case begin < 0 || end < begin:
		return info{}, fmt.Errorf("tensor %q: bad data_offsets [%d, %d]", name, begin, end)
	case end > bufLen:
		return info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the end of the data (%d bytes; file truncated?)", name, begin, end, bufLen)
	case end-begin != numel*int64(dt.size):
		return info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes but shape %v of %s needs %d",
			name, begin, end, end-begin, *e.Shape, e.DType, numel*int64(dt.size))
	}
	return info{name: name, dtypeName: e.DType, dtype: dt, shape: shape, numel: numel, begin: begin, end: end}, nil
}
