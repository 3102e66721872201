package safetensors

import (
	"math"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must never panic, and
// whatever it accepts must be self-consistent and survive a write/read cycle.
// Run with: go test -fuzz=FuzzRead ./nn/safetensors
func FuzzRead(f *testing.F) {
	good, err := Marshal([]Tensor{
		{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
		{Name: "s", Data: []float32{-1}},
	}, map[string]string{"k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(rawFile(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0, 0x3c, 0, 0x7c}))
	f.Add(rawFile(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32Bytes(1, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, meta, err := ReadBytes("fuzz.safetensors", b)
		if err != nil {
			return
		}
		for _, x := range ts {
			n := 1
			for _, d := range x.Shape {
				n *= d
			}
			if n != len(x.Data) {
				t.Fatalf("tensor %q: shape %v but %d values", x.Name, x.Shape, len(x.Data))
			}
		}
		again, err := Marshal(ts, meta)
		if err != nil {
			return // e.g. names Write refuses; reading them is still fine
		}
		ts2, _, err := ReadBytes("again.safetensors", again)
		if err != nil {
			t.Fatalf("re-reading our own output: %v", err)
		}
		want := ByName(ts)
		for _, x := range ts2 {
			w := want[x.Name]
			for i := range x.Data {
				if math.Float32bits(x.Data[i]) != math.Float32bits(w.Data[i]) {
					t.Fatalf("tensor %q value %d changed in the round trip", x.Name, i)
				}
			}
		}
	})
}
