// Package torchfile reads PyTorch's weight files in pure Go: the zip
// archives of torch.save (a pickled state dict, open_clip's
// open_clip_pytorch_model.bin, {"state_dict": …} wrappers) and of
// torch.jit.save (OpenAI's TorchScript RN50.pt, ViT-B-32.pt, …).
//
// Both hold a pickle, data.pkl, whose tensors refer to storage files
// beside it (data/0, data/1, …). The pickle is read by a restricted
// unpickler that rebuilds tensors, dicts and TorchScript module trees and
// refuses every other global, so nothing in the file is ever executed.
// Tensors come out as float32 (float16 and bfloat16 widened, integers
// converted), named as the module's state_dict() names them.
package torchfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/nn/safetensors"
)

// Tensor is one named tensor of a file.
type Tensor struct {
	Name  string
	DType string // the stored element type, in safetensors' names: F16, F32, I64, …
	Shape []int
	Data  []float32 // nil from Describe
}

// Formats Read reports.
const (
	FormatStateDict   = "PyTorch state dict (torch.save)"
	FormatTorchScript = "TorchScript archive (torch.jit.save)"
)

// zipMagic starts every zip archive; torch.save files written before
// PyTorch 1.6 start with a bare pickle instead.
var zipMagic = []byte("PK\x03\x04")

// IsTorchFile reports whether path starts like a zip archive or a legacy
// pickled torch.save file, the files Read is for.
func IsTorchFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return bytes.Equal(head[:], zipMagic) || head[0] == 0x80
}

// Read returns the tensors of a PyTorch file, sorted by name, and its format.
func Read(path string) ([]Tensor, string, error) { return read(path, true) }

// Describe is Read without the tensor data: names, dtypes and shapes.
func Describe(path string) ([]Tensor, string, error) { return read(path, false) }

func read(file string, withData bool) ([]Tensor, string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	ts, format, err := readFrom(f, st.Size(), withData)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	return ts, format, nil
}

// readFrom reads a torch archive of size bytes from r.
func readFrom(r io.ReaderAt, size int64, withData bool) ([]Tensor, string, error) {
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil || !bytes.Equal(head[:], zipMagic) {
		if err == nil && head[0] == 0x80 {
			return nil, "", fmt.Errorf("a torch.save file from before PyTorch 1.6 (a bare pickle), which this reader does not take: load and save it again with a newer torch, or convert it to safetensors")
		}
		return nil, "", fmt.Errorf("not a PyTorch zip archive (torch.save or torch.jit.save)")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, "", err
	}
	a, err := openArchive(zr, size)
	if err != nil {
		return nil, "", err
	}
	root, err := a.unpickleData()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", a.prefix+"data.pkl", err)
	}
	format := FormatStateDict
	if _, ok := root.(*object); ok {
		format = FormatTorchScript
	}
	named, err := collect(root)
	if err != nil {
		return nil, "", err
	}
	out := make([]Tensor, 0, len(named))
	for name, t := range named {
		x := Tensor{Name: name, DType: t.storage.dtype, Shape: t.size}
		if withData {
			if x.Data, err = a.materialize(t); err != nil {
				return nil, "", fmt.Errorf("tensor %s: %w", name, err)
			}
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, format, nil
}

// archive is an opened torch zip: the folder prefix every member shares and
// its storage files.
type archive struct {
	zr       *zip.Reader
	size     int64  // of the whole file
	prefix   string // "archive/" or the saved name, with its slash
	members  map[string]*zip.File
	storages map[string]*storage // by key, so shared storages are read once
	decoded  map[string][]float32
}

func openArchive(zr *zip.Reader, size int64) (*archive, error) {
	a := &archive{zr: zr, size: size, members: map[string]*zip.File{}, storages: map[string]*storage{}, decoded: map[string][]float32{}}
	for _, f := range zr.File {
		a.members[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1 {
			a.prefix = strings.TrimSuffix(f.Name, "data.pkl")
		}
	}
	if a.prefix == "" {
		return nil, fmt.Errorf("no <name>/data.pkl inside: not a torch.save or torch.jit.save archive")
	}
	return a, nil
}

func (a *archive) unpickleData() (any, error) {
	f := a.members[a.prefix+"data.pkl"]
	if f.CompressedSize64 > uint64(a.size) || f.UncompressedSize64 > 1032*f.CompressedSize64+1024 {
		return nil, fmt.Errorf("claims %d bytes from %d in a %d-byte file", f.UncompressedSize64, f.CompressedSize64, a.size)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return unpickle(io.LimitReader(rc, int64(f.UncompressedSize64)), a.persistent)
}

// persistent resolves torch's storage references,
// ('storage', storage_type, key, location, numel).
func (a *archive) persistent(pid any) (any, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) < 5 {
		return nil, fmt.Errorf("persistent id %v: want ('storage', type, key, location, numel)", pid)
	}
	if s, _ := t[0].(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of kind %v, want 'storage'", t[0])
	}
	g, ok := t[1].(global)
	if !ok {
		return nil, fmt.Errorf("storage type %v is not a torch storage class", t[1])
	}
	dtype := storageTypes[g.name]
	if dtype == "" {
		dtype = dtypeNames[g.name]
	}
	if dtype == "" {
		return nil, fmt.Errorf("storage type %s.%s is not one this reader decodes", g.module, g.name)
	}
	key, ok := t[2].(string)
	if !ok {
		return nil, fmt.Errorf("storage key %v is not a string", t[2])
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %s: element count %v", key, t[4])
	}
	if s, ok := a.storages[key]; ok {
		return s, nil
	}
	f, ok := a.members[a.prefix+"data/"+key]
	if !ok {
		return nil, fmt.Errorf("storage %s: no member %sdata/%s in the archive", key, a.prefix, key)
	}
	// A member's data must be in the file: stored as-is (torch's way) or
	// deflated, which shrinks at most 1032-fold. A hostile header cannot
	// make us allocate more than that.
	if f.CompressedSize64 > uint64(a.size) || f.UncompressedSize64 > 1032*f.CompressedSize64+1024 {
		return nil, fmt.Errorf("storage %s: member %s claims %d bytes from %d in a %d-byte file", key, f.Name, f.UncompressedSize64, f.CompressedSize64, a.size)
	}
	size, _ := elemSize(dtype)
	if numel > 1<<40 || f.UncompressedSize64 != uint64(numel)*uint64(size) {
		return nil, fmt.Errorf("storage %s: %d elements of %s need %d bytes, the member holds %d", key, numel, dtype, numel*int64(size), f.UncompressedSize64)
	}
	s := &storage{dtype: dtype, key: key, numel: numel}
	a.storages[key] = s
	return s, nil
}

func elemSize(dtype string) (int, bool) {
	switch dtype {
	case "F64", "I64":
		return 8, true
	case "F32", "I32":
		return 4, true
	case "F16", "BF16", "I16":
		return 2, true
	case "I8", "U8", "BOOL":
		return 1, true
	}
	return 0, false
}

// materialize reads a tensor's elements, in row-major order.
func (a *archive) materialize(t *tensor) ([]float32, error) {
	src, err := a.decode(t.storage)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range t.size {
		n *= d
	}
	out := make([]float32, n)
	idx := make([]int, len(t.size))
	for i := range out {
		off := t.offset
		for d, k := range idx {
			off += int64(k) * t.stride[d]
		}
		out[i] = src[off]
		for d := len(idx) - 1; d >= 0; d-- { // next index, last dimension fastest
			if idx[d]++; idx[d] < t.size[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

// decode reads a storage file as float32, once.
func (a *archive) decode(s *storage) ([]float32, error) {
	if v, ok := a.decoded[s.key]; ok {
		return v, nil
	}
	f := a.members[a.prefix+"data/"+s.key]
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	raw := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, raw); err != nil {
		return nil, fmt.Errorf("storage %s: %w", s.key, err)
	}
	v, err := safetensors.Decode(s.dtype, raw)
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", s.key, err)
	}
	a.decoded[s.key] = v
	return v, nil
}

// collect names the tensors of an unpickled value as state_dict() would: a
// dict's entries by their keys, a module's attributes by theirs, joined
// with dots. A {"state_dict": …} or {"model": …} wrapper is unwrapped and
// DataParallel's "module." prefix dropped.
func collect(root any) (map[string]*tensor, error) {
	if d, ok := root.(*dict); ok {
		for _, k := range []string{"state_dict", "model"} {
			if inner, ok := d.get(k); ok {
				if _, isDict := inner.(*dict); isDict {
					root = inner
					break
				}
			}
		}
	}
	out := map[string]*tensor{}
	var walk func(v any, prefix string, depth int) error
	walk = func(v any, prefix string, depth int) error {
		if depth > maxTreeDepth {
			return fmt.Errorf("values nested deeper than %d at %q", maxTreeDepth, prefix)
		}
		switch x := v.(type) {
		case *tensor:
			name := strings.TrimSuffix(prefix, ".")
			if _, dup := out[name]; dup {
				return fmt.Errorf("two tensors named %q", name)
			}
			out[name] = x
		case *dict:
			for i, k := range x.keys {
				s, ok := k.(string)
				if !ok {
					continue // non-string keys (an optimiser's parameter ids) name no weight
				}
				if err := walk(x.vals[i], prefix+s+".", depth+1); err != nil {
					return err
				}
			}
		case *object:
			if x.state != nil {
				return walk(x.state, prefix, depth+1)
			}
		}
		return nil
	}
	if err := walk(root, "", 0); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no tensors inside")
	}
	strip := true
	for name := range out {
		strip = strip && strings.HasPrefix(name, "module.")
	}
	if strip {
		renamed := map[string]*tensor{}
		for name, t := range out {
			renamed[strings.TrimPrefix(name, "module.")] = t
		}
		out = renamed
	}
	return out, nil
}
