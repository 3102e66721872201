package torchfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// pickle assembles a pickle from opcodes and operands.
type pickle struct{ bytes.Buffer }

func (p *pickle) op(b ...byte) *pickle { p.Write(b); return p }

func (p *pickle) str(s string) *pickle {
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}

func (p *pickle) global(module, name string) *pickle {
	p.WriteString("c" + module + "\n" + name + "\n")
	return p
}

func (p *pickle) int1(v byte) *pickle { return p.op('K', v) }

// tensorPickle is a state dict {"w": a view of storage "0"} with the given
// size and stride (one or two dimensions) over a storage of numel floats.
func tensorPickle(numel byte, size, stride []byte) []byte {
	p := &pickle{}
	p.op(0x80, 2, '}', '(').str("w")
	p.global("torch._utils", "_rebuild_tensor_v2").op('(')
	p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").int1(numel).op('t', 'Q')
	p.int1(0)
	p.op('(')
	for _, s := range size {
		p.int1(s)
	}
	p.op('t', '(')
	for _, s := range stride {
		p.int1(s)
	}
	p.op('t', 0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R', 'u', '.')
	return p.Bytes()
}

// archiveOf zips a data.pkl and its storage "0" as torch.save lays them
// out; a nil one is left out.
func archiveOf(t testing.TB, pkl []byte, storage []float32) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, data := range map[string][]byte{"archive/data.pkl": pkl, "archive/data/0": floats(storage)} {
		if data == nil {
			continue
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func floats(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func readBytes(b []byte) ([]Tensor, string, error) {
	return readFrom(bytes.NewReader(b), int64(len(b)), true)
}

// A transposed view (stride 1 along the rows) comes out in row-major order.
func TestReadStridedView(t *testing.T) {
	storage := []float32{0, 1, 2, 3, 4, 5}
	ts, format, err := readBytes(archiveOf(t, tensorPickle(6, []byte{3, 2}, []byte{1, 3}), storage))
	if err != nil {
		t.Fatal(err)
	}
	if format != FormatStateDict || len(ts) != 1 || ts[0].Name != "w" || ts[0].DType != "F32" {
		t.Fatalf("read %q %+v", format, ts)
	}
	want := []float32{0, 3, 1, 4, 2, 5} // w[i][j] = storage[i + 3j]
	for i, v := range want {
		if ts[0].Data[i] != v {
			t.Fatalf("data %v, want %v", ts[0].Data, want)
		}
	}
}

func TestReadRefusesWhatItShould(t *testing.T) {
	evil := (&pickle{}).op(0x80, 2).global("os", "system").str("echo pwned").op(0x85, 'R', '.').Bytes()
	deep := &pickle{}
	deep.op(0x80, 2)
	for range maxTreeDepth + 10 {
		deep.op('}').str("m")
	}
	deep.global("torch._utils", "_rebuild_tensor_v2")
	deep.Truncate(deep.Len() - len("ctorch._utils\n_rebuild_tensor_v2\n"))
	deep.op('}')
	for range maxTreeDepth + 10 {
		deep.op('s')
	}
	deep.op('.')
	huge := (&pickle{}).op(0x80, 4, 0x8d, 0, 0, 0, 0, 0, 1, 0, 0).Bytes() // BINUNICODE8 of 2^40 bytes
	valid := tensorPickle(6, []byte{2, 3}, []byte{3, 1})
	for _, c := range []struct {
		name, want string
		file       []byte
	}{
		{"a forbidden global", "os.system is not one this reader rebuilds", archiveOf(t, evil, nil)},
		{"a view past its storage", "past the end", archiveOf(t, tensorPickle(6, []byte{2, 3}, []byte{4, 1}), make([]float32, 6))},
		{"more elements than its storage", "more elements", archiveOf(t, tensorPickle(6, []byte{3, 3}, []byte{3, 1}), make([]float32, 6))},
		{"a storage shorter than declared", "the member holds 20", archiveOf(t, valid, make([]float32, 5))},
		{"a truncated pickle", "ends early", archiveOf(t, valid[:len(valid)-9], make([]float32, 6))},
		{"an unknown opcode", "unknown or unsupported opcode", archiveOf(t, []byte{0x80, 2, 0xff}, nil)},
		{"a huge string", "larger than", archiveOf(t, huge, nil)},
		{"deep nesting", "nested deeper", archiveOf(t, deep.Bytes(), nil)},
		{"no data.pkl", "no <name>/data.pkl", archiveOf(t, nil, make([]float32, 6))},
		{"a legacy file", "before PyTorch 1.6", valid},
		{"a truncated archive", "zip", archiveOf(t, valid, make([]float32, 6))[:100]},
	} {
		_, _, err := readBytes(c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one saying %q", c.name, err, c.want)
		}
	}
}
