package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// rawFile assembles a safetensors file by hand: length prefix, header, data.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func f32Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "z.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -1e-30}},
		{Name: "a.scalar", Shape: nil, Data: []float32{42}},
		{Name: "m.empty", Shape: []int{0, 4}, Data: []float32{}},
		{Name: "b.vec", Shape: []int{5}, Data: []float32{1, 2, 3, 4, 5}},
	}
	meta := map[string]string{"format": "pt", "step": "12"}
	path := filepath.Join(t.TempDir(), "rt.safetensors")
	if err := Write(path, in, meta); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(raw); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	got, gotMeta, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, g := range got {
		names = append(names, g.Name)
	}
	if want := []string{"a.scalar", "b.vec", "m.empty", "z.weight"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("order %v, want %v", names, want)
	}
	byName := ByName(got)
	for _, w := range in {
		g := byName[w.Name]
		if len(g.Shape) != len(w.Shape) || (len(w.Shape) > 0 && !reflect.DeepEqual(g.Shape, w.Shape)) {
			t.Errorf("%s: shape %v, want %v", w.Name, g.Shape, w.Shape)
		}
		if !reflect.DeepEqual(g.Data, w.Data) {
			t.Errorf("%s: data %v, want %v", w.Name, g.Data, w.Data)
		}
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("meta %v, want %v", gotMeta, meta)
	}
	mem, err := Marshal(in, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(mem, raw) {
		t.Error("Marshal and Write produced different bytes")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after Write, want only the result (temp file left behind?)", len(entries))
	}
}

func TestWriteReplacesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	for _, v := range []float32{1, 2} {
		if err := Write(path, []Tensor{{Name: "v", Shape: []int{1}, Data: []float32{v}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, meta, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Data[0] != 2 || meta != nil {
		t.Errorf("got %v meta %v, want the second write and no metadata", got, meta)
	}
}

func TestWriteRejectsBadTensors(t *testing.T) {
	cases := map[string][]Tensor{
		"needs 6 values":  {{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}},
		"used twice":      {{Name: "w", Data: []float32{1}}, {Name: "w", Data: []float32{2}}},
		"reserved":        {{Name: metadataKey, Data: []float32{1}}},
		"negative dimens": {{Name: "w", Shape: []int{-1, -2}, Data: make([]float32, 2)}},
		"too many elem":   {{Name: "w", Shape: []int{1 << 32, 1 << 32}, Data: nil}},
	}
	for want, ts := range cases {
		path := filepath.Join(t.TempDir(), "bad.safetensors")
		err := Write(path, ts, nil)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Write(%v) = %v, want an error naming the file and containing %q", ts, err, want)
		}
		if _, statErr := os.Stat(path); statErr == nil {
			t.Errorf("Write(%v) failed but left a file", ts)
		}
	}
}

func TestHalfKnownPatterns(t *testing.T) {
	cases := []struct {
		bits uint16
		want float64
	}{
		{0x3C00, 1}, {0xC000, -2}, {0x7BFF, 65504}, {0x3555, 0.333251953125},
		{0x0001, math.Ldexp(1, -24)}, {0x03FF, 1023 * math.Ldexp(1, -24)}, {0x0400, math.Ldexp(1, -14)},
		{0x7C00, math.Inf(1)}, {0xFC00, math.Inf(-1)}, {0x0000, 0},
	}
	for _, c := range cases {
		if got := HalfToFloat32(c.bits); float64(got) != c.want {
			t.Errorf("HalfToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
	if got := HalfToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("HalfToFloat32(0x8000) = %g, want -0", got)
	}
	if got := HalfToFloat32(0x7E00); !math.IsNaN(float64(got)) {
		t.Errorf("HalfToFloat32(0x7e00) = %g, want NaN", got)
	}
}

// TestHalfAllPatterns checks every binary16 value against the definition
// (-1)^s · 2^(e-15) · (1 + f/1024), or 2^-14 · f/1024 for subnormals.
func TestHalfAllPatterns(t *testing.T) {
	for h := range 1 << 16 {
		s, e, f := h>>15, (h>>10)&0x1f, h&0x3ff
		got := float64(HalfToFloat32(uint16(h)))
		var want float64
		switch {
		case e == 0x1f && f != 0:
			if !math.IsNaN(got) {
				t.Fatalf("%#04x: got %g, want NaN", h, got)
			}
			continue
		case e == 0x1f:
			want = math.Inf(1)
		case e == 0:
			want = math.Ldexp(float64(f)/1024, -14)
		default:
			want = math.Ldexp(1+float64(f)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if got != want || math.Signbit(got) != (s == 1) {
			t.Fatalf("%#04x: got %g, want %g", h, got, want)
		}
	}
}

func TestBFloat16KnownPatterns(t *testing.T) {
	cases := []struct {
		bits uint16
		want float64
	}{
		{0x3F80, 1}, {0xC040, -3}, {0x4049, 3.140625}, {0x7F80, math.Inf(1)},
		{0x0001, math.Ldexp(1, -133)}, {0x3E80, 0.25},
	}
	for _, c := range cases {
		if got := BFloat16ToFloat32(c.bits); float64(got) != c.want {
			t.Errorf("BFloat16ToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
}

func TestReadHalfFile(t *testing.T) {
	hdr := `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},` +
		`"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[6,10]}}`
	data := []byte{0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x80, 0x3F, 0x49, 0x40}
	got, _, err := ReadBytes("half.safetensors", rawFile(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	m := ByName(got)
	if !reflect.DeepEqual(m["h"].Data, []float32{1, -2, 65504}) || !reflect.DeepEqual(m["b"].Data, []float32{1, 3.140625}) {
		t.Errorf("decoded %v", got)
	}
	if !reflect.DeepEqual(m["b"].Shape, []int{1, 2}) {
		t.Errorf("shape %v", m["b"].Shape)
	}
}

func TestReadMalformed(t *testing.T) {
	ok := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<62)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short prefix", []byte{1, 2, 3}, "too short"},
		{"header past end", rawFile(ok, nil)[:20], "bad header length"},
		{"huge header length", append(hugeLen, "{}"...), "bad header length"},
		{"tiny header", rawFile("{", nil), "bad header length"},
		{"not an object", rawFile(`["w"]`, nil), "not a JSON object"},
		{"bad json", rawFile(`{"w":{"dtype":"F32",`, f32Bytes(1, 2)), "bad JSON"},
		{"trailing garbage", rawFile(ok+"xx", f32Bytes(1, 2)), "unexpected bytes"},
		{"duplicate key", rawFile(`{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, f32Bytes(1)), "twice"},
		{"bad metadata", rawFile(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"unknown dtype", rawFile(`{"w":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "unknown dtype"},
		{"unknown dtype", rawFile(`{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "unknown dtype"},
		{"negative dim", rawFile(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "negative dimension"},
		{"fractional dim", rawFile(`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "bad JSON"},
		{"no shape", rawFile(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, f32Bytes(1, 2)), "no shape"},
		{"one offset", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, f32Bytes(1, 2)), "data_offsets"},
		{"offsets reversed", rawFile(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, f32Bytes(1, 2)), "bad data_offsets"},
		{"offsets past end", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32Bytes(1, 2)), "past the end"},
		{"size mismatch", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "needs 4"},
		{"huge shape", rawFile(`{"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}`, f32Bytes(1, 2)), "more data than the file"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32Bytes(1, 2)), "overlap"},
	}
	for _, c := range cases {
		_, _, err := ReadBytes("bad.safetensors", c.file)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "bad.safetensors") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q should name the file and contain %q", c.name, msg, c.want)
		}
	}
}

func TestReadErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trunc.safetensors")
	full, err := Marshal([]Tensor{{Name: "w", Shape: []int{4}, Data: []float32{1, 2, 3, 4}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, full[:len(full)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("Read of a truncated file: %v, want an error naming %s and saying truncated", err, path)
	}
	missing := filepath.Join(t.TempDir(), "missing.safetensors")
	if _, _, err := Read(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Read of a missing file: %v", err)
	}
}

// TestHostileHeaderDoesNotAllocate checks that sizes claimed by a header are
// refused before any buffer of that size is made.
func TestHostileHeaderDoesNotAllocate(t *testing.T) {
	file := rawFile(`{"w":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, f32Bytes(1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, _, err := ReadBytes("hostile.safetensors", file); err == nil {
		t.Fatal("no error for a 1 GiB tensor in a tiny file")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("rejecting the file allocated %d bytes", grew)
	}
}
