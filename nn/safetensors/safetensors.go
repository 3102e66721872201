// Package safetensors reads and writes the safetensors checkpoint format:
// an 8-byte little-endian header length N, N bytes of JSON describing each
// tensor ({"name": {"dtype", "shape", "data_offsets": [begin, end]}} plus an
// optional "__metadata__" object of strings), then the raw little-endian data,
// with offsets counted from the start of the data.
//
// Reading accepts F32, F16 and BF16 tensors and converts them to float32;
// writing always produces F32. Every length in a file is checked against the
// file's size before anything is allocated, so a hostile or truncated file
// yields an error, never a panic or a huge allocation.
package safetensors

import "sort"

// Tensor is one named float32 array in row-major order.
type Tensor struct {
	Name  string
	Shape []int // empty for a scalar
	Data  []float32
}

// metadataKey is the reserved header key holding free-form string metadata.
const metadataKey = "__metadata__"

// maxHeader bounds the JSON header (the reference implementation uses the same
// 100 MB limit) so a corrupt length cannot make us read a whole disk into memory.
const maxHeader = 100 << 20

// ByName indexes tensors by name (later duplicates win).
func ByName(tensors []Tensor) map[string]Tensor {
	m := make(map[string]Tensor, len(tensors))
	for _, t := range tensors {
		m[t.Name] = t
	}
	return m
}

// sortByName orders tensors by name, the order Write lays them out in.
func sortByName(ts []Tensor) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
}
