package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// karpathyEntry covers both the ALBEF style ({image, caption: string|list,
// split?}, one entry per caption or per image) and Karpathy's
// ({filepath?, filename, sentences: [{raw}], split}).
type karpathyEntry struct {
	Image     string          `json:"image"`
	FilePath  string          `json:"filepath"`
	FileName  string          `json:"filename"`
	Caption   json.RawMessage `json:"caption"`
	Sentences json.RawMessage `json:"sentences"`
	Split     string          `json:"split"`
	Label     string          `json:"label"`
}

// LoadKarpathy reads a Karpathy-split or ALBEF-style JSON file: a list of
// entries (or {"images": [...]}) naming an image, its caption(s) and
// optionally its split. Entries of the same image merge into one Row; image
// paths are relative to the file's folder (or opt.ImageRoot).
func LoadKarpathy(path string, opt Options) (*Dataset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset karpathy: %w", err)
	}
	g := newGrouper()
	err = forEachEntry(data, func(e karpathyEntry, line int) error {
		img := e.Image
		if img == "" {
			img = e.FileName
			if e.FilePath != "" && img != "" {
				img = filepath.Join(e.FilePath, img)
			}
		}
		if img == "" {
			return fmt.Errorf("line %d: entry has no \"image\" or \"filename\"", line)
		}
		caps, err := entryCaptions(e)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if len(caps) == 0 {
			return fmt.Errorf("line %d: entry for %s has no \"caption\" or \"sentences\"", line, img)
		}
		for _, c := range caps {
			g.add(img, c, normSplit(e.Split), strings.TrimSpace(e.Label))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	root := opt.ImageRoot
	if root == "" {
		root = filepath.Dir(path)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	d := &Dataset{Name: name, Root: root, Rows: g.rows, Classes: classesOf(g.rows)}
	if err := checkImages(d, opt.Missing); err != nil {
		return nil, err
	}
	return d, nil
}

// forEachEntry streams the entries of a top-level list or of the "images"
// list of a top-level object, passing the line each entry starts on.
func forEachEntry(data []byte, fn func(karpathyEntry, int) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("line %d: malformed JSON: %v", lineAt(data, se.Offset), se)
		}
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return fmt.Errorf("line %d: JSON ends early", lineAt(data, int64(len(data))))
		}
		return fmt.Errorf("line %d: %v", lineAt(data, dec.InputOffset()), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	inObject := tok == json.Delim('{')
	if inObject {
		for {
			key, err := dec.Token()
			if err != nil {
				return syntax(err)
			}
			if key == json.Delim('}') {
				return fmt.Errorf("line 1: object has no \"images\" list")
			}
			if key == "images" {
				if tok, err = dec.Token(); err != nil {
					return syntax(err)
				}
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntax(err)
			}
		}
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("line %d: want a list of entries or {\"images\": [...]}", lineAt(data, dec.InputOffset()))
	}
	for dec.More() {
		line := lineAt(data, nextValue(data, dec.InputOffset()))
		var e karpathyEntry
		if err := dec.Decode(&e); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return fmt.Errorf("line %d: field %q holds a JSON %s, want %s", lineAt(data, te.Offset), te.Field, te.Value, te.Type)
			}
			return syntax(err)
		}
		if err := fn(e, line); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return syntax(err)
	}
	if inObject { // the keys after "images", then the closing brace
		for dec.More() {
			var skip json.RawMessage
			if _, err := dec.Token(); err != nil {
				return syntax(err)
			}
			if err := dec.Decode(&skip); err != nil {
				return syntax(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return syntax(err)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("line %d: trailing data after the JSON value", lineAt(data, dec.InputOffset()))
	}
	return nil
}

// entryCaptions accepts a caption string or list, or Karpathy sentences
// (a list of strings or of {"raw": ...}).
func entryCaptions(e karpathyEntry) ([]string, error) {
	raw, field := e.Caption, "caption"
	if len(raw) == 0 || string(raw) == "null" {
		raw, field = e.Sentences, "sentences"
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, nil
	}
	var objs []struct {
		Raw string `json:"raw"`
	}
	if json.Unmarshal(raw, &objs) == nil {
		out := make([]string, len(objs))
		for i, o := range objs {
			out[i] = o.Raw
		}
		return out, nil
	}
	return nil, fmt.Errorf("%q must be a string, a list of strings or a list of {\"raw\": ...}", field)
}

// nextValue skips the whitespace and comma after off, to where the next value starts.
func nextValue(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}
