package torchfile

import (
	"bytes"
	"testing"
)

// The unpickler on any bytes: an error or a value, never a panic or a hang.
// Seeds: testdata/fuzz/FuzzUnpickle (a state dict's and a TorchScript
// module's data.pkl) and the pickles below.
func FuzzUnpickle(f *testing.F) {
	f.Add(tensorPickle(6, []byte{2, 3}, []byte{3, 1}))
	f.Add((&pickle{}).op(0x80, 2).global("os", "system").str("x").op(0x85, 'R', '.').Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		pid := func(any) (any, error) { return &storage{dtype: "F32", key: "0", numel: 64}, nil }
		v, err := unpickle(bytes.NewReader(data), pid)
		if err == nil {
			collect(v) // naming the tree must not fail hard either
		}
	})
}

// The whole reader on any bytes as a file: zip, pickle and storages.
// Seeds: testdata/fuzz/FuzzArchive (small archives, valid and not).
func FuzzArchive(f *testing.F) {
	f.Add(archiveOf(f, tensorPickle(6, []byte{2, 3}, []byte{3, 1}), []float32{1, 2, 3, 4, 5, 6}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := readBytes(data)
		if err != nil {
			return
		}
		for _, x := range ts {
			n := 1
			for _, d := range x.Shape {
				n *= d
			}
			if len(x.Data) != n {
				t.Fatalf("tensor %s of shape %v has %d values", x.Name, x.Shape, len(x.Data))
			}
		}
	})
}
