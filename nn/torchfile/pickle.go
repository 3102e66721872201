package torchfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// The unpickler is a stack machine over the binary opcodes of pickle
// protocols 2 to 5, the ones torch.save and torch.jit.save write. It never
// calls anything the file names: a GLOBAL resolves only to the handful of
// constructors below, which rebuild tensors, dicts and module trees as plain
// Go values; any other global is an error naming it.

// Limits that keep a hostile pickle's cost bounded.
const (
	maxOps       = 50_000_000 // opcodes per pickle
	maxMemo      = 10_000_000 // memo entries
	maxStack     = 1_000_000  // values on the stack and in one container
	maxString    = 1 << 26    // bytes in one string or bytes value
	maxDims      = 16         // dimensions of a tensor
	maxTreeDepth = 200        // nesting of modules and containers when naming tensors
)

// Values the unpickler builds.
type (
	tuple []any
	list  struct{ items []any }
	dict  struct {
		keys []any
		vals []any
	}
	global struct{ module, name string }
	// object is an instance of a TorchScript module class (__torch__.*),
	// its state the dict BUILD gives it.
	object struct {
		class string
		state any
	}
	// storage is a persistent reference to one of the archive's storage
	// files: data/<key>, numel elements of dtype.
	storage struct {
		dtype string
		key   string
		numel int64
	}
	// tensor is a view of a storage.
	tensor struct {
		storage *storage
		offset  int64
		size    []int
		stride  []int64
	}
	mark struct{}
)

func (d *dict) set(k, v any) {
	if s, ok := k.(string); ok {
		for i, old := range d.keys {
			if o, ok := old.(string); ok && o == s {
				d.vals[i] = v
				return
			}
		}
	}
	d.keys, d.vals = append(d.keys, k), append(d.vals, v)
}

func (d *dict) get(k string) (any, bool) {
	for i, key := range d.keys {
		if s, ok := key.(string); ok && s == k {
			return d.vals[i], true
		}
	}
	return nil, false
}

// storageTypes maps torch's typed storage classes to their element dtype.
var storageTypes = map[string]string{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// dtypeNames maps torch dtype objects (torch.float16, …) to dtypes, for
// the untyped storages of newer files.
var dtypeNames = map[string]string{
	"float32": "F32", "float": "F32", "float16": "F16", "half": "F16", "bfloat16": "BF16", "float64": "F64", "double": "F64",
	"int64": "I64", "long": "I64", "int32": "I32", "int": "I32", "int16": "I16", "short": "I16", "int8": "I8",
	"uint8": "U8", "bool": "BOOL",
}

// allowed reports whether a global may be named, and what it stands for.
func allowed(module, name string) bool {
	switch {
	case module == "collections" && name == "OrderedDict",
		module == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor" || name == "_rebuild_parameter"),
		module == "torch.jit._pickle" && (name == "restore_type_tag" || strings.HasPrefix(name, "build_")),
		module == "torch" && name == "device",
		module == "torch" && storageTypes[name] != "",
		module == "torch" && dtypeNames[name] != "",
		module == "torch.serialization" && name == "_get_layout",
		module == "torch" && name == "strided",
		strings.HasPrefix(module, "__torch__"):
		return true
	}
	return false
}

// unpickle runs the pickle in r and returns its value. persistent
// resolves BINPERSID references (torch's storages).
func unpickle(r io.Reader, persistent func(pid any) (any, error)) (any, error) {
	u := &unpickler{r: r, memo: map[int]any{}, persistent: persistent}
	v, err := u.run()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("pickle ends early, before its STOP opcode (truncated file?)")
		}
		return nil, err
	}
	return v, nil
}

type unpickler struct {
	r          io.Reader
	stack      []any
	marks      []int
	memo       map[int]any
	persistent func(any) (any, error)
	buf        [8]byte
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n <= len(u.buf) {
		b := u.buf[:n]
		_, err := io.ReadFull(u.r, b)
		return b, err
	}
	if n > maxString {
		return nil, fmt.Errorf("a %d-byte value is larger than the %d this reader accepts", n, maxString)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(u.r, b)
	return b, err
}

func (u *unpickler) u8() (int, error) {
	b, err := u.read(1)
	if err != nil {
		return 0, err
	}
	return int(b[0]), nil
}

func (u *unpickler) u32() (int, error) {
	b, err := u.read(4)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint32(b)), nil
}

func (u *unpickler) u64() (int, error) {
	b, err := u.read(8)
	if err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(b)
	if v > maxString {
		return 0, fmt.Errorf("a %d-byte value is larger than the %d this reader accepts", v, maxString)
	}
	return int(v), nil
}

func (u *unpickler) line() (string, error) {
	var sb strings.Builder
	for sb.Len() < 4096 {
		b, err := u.read(1)
		if err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return sb.String(), nil
		}
		sb.WriteByte(b[0])
	}
	return "", fmt.Errorf("a text line longer than 4096 bytes")
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return fmt.Errorf("the pickle's stack grew past %d values", maxStack)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1]) {
		return nil, fmt.Errorf("pop from an empty stack")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("the stack is empty")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark pops the values above the last mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK to pop to")
	}
	at := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	if at > len(u.stack) { // values under the mark were consumed since
		return nil, fmt.Errorf("a MARK above the stack's top")
	}
	items := append([]any(nil), u.stack[at:]...)
	u.stack = u.stack[:at]
	return items, nil
}

func (u *unpickler) memoize(i int, v any) error {
	if len(u.memo) >= maxMemo {
		return fmt.Errorf("the memo grew past %d entries", maxMemo)
	}
	u.memo[i] = v
	return nil
}

func (u *unpickler) run() (any, error) {
	for ops := 0; ops < maxOps; ops++ {
		op, err := u.u8()
		if err != nil {
			return nil, err
		}
		if err := u.step(byte(op)); err != nil {
			if err == errStop {
				if len(u.stack) != 1 {
					return nil, fmt.Errorf("STOP with %d values on the stack, want 1", len(u.stack))
				}
				return u.stack[0], nil
			}
			return nil, fmt.Errorf("opcode %#02x: %w", op, err)
		}
	}
	return nil, fmt.Errorf("more than %d opcodes", maxOps)
}

var errStop = errors.New("stop")

func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		v, err := u.u8()
		if err != nil {
			return err
		}
		if v < 2 || v > 5 {
			return fmt.Errorf("pickle protocol %d: this reader takes 2 to 5", v)
		}
	case 0x95: // FRAME: a length hint only
		_, err := u.read(8)
		return err
	case '.':
		return errStop
	case '(':
		u.marks = append(u.marks, len(u.stack))
	case '0':
		_, err := u.pop()
		return err
	case '1':
		_, err := u.popMark()
		return err
	case '2':
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.push(v)
	case 'N':
		return u.push(nil)
	case 0x88:
		return u.push(true)
	case 0x89:
		return u.push(false)
	case 'K':
		v, err := u.u8()
		if err != nil {
			return err
		}
		return u.push(int64(v))
	case 'M':
		b, err := u.read(2)
		if err != nil {
			return err
		}
		return u.push(int64(binary.LittleEndian.Uint16(b)))
	case 'J':
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case 0x8a: // LONG1: little-endian two's complement of n bytes
		n, err := u.u8()
		if err != nil {
			return err
		}
		if n > 8 {
			return fmt.Errorf("an integer of %d bytes does not fit in 64 bits", n)
		}
		b, err := u.read(n)
		if err != nil {
			return err
		}
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
			v |= ^uint64(0) << (8 * n) // sign-extend
		}
		return u.push(int64(v))
	case 'G':
		b, err := u.read(8)
		if err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X', 0x8c, 0x8d, 'U', 'T', 'B', 'C', 0x8e: // strings and bytes
		var n int
		var err error
		switch op {
		case 0x8c, 'U', 'C':
			n, err = u.u8()
		case 0x8d, 0x8e:
			n, err = u.u64()
		default:
			n, err = u.u32()
		}
		if err != nil {
			return err
		}
		b, err := u.read(n)
		if err != nil {
			return err
		}
		if op == 'B' || op == 'C' || op == 0x8e {
			return u.push(append([]byte(nil), b...))
		}
		return u.push(string(b))
	case '}':
		return u.push(&dict{})
	case ']':
		return u.push(&list{})
	case ')':
		return u.push(tuple{})
	case 0x8f: // EMPTY_SET: a list will do
		return u.push(&list{})
	case 't':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(tuple(items))
	case 0x85, 0x86, 0x87:
		n := int(op - 0x84)
		if len(u.stack) < n {
			return fmt.Errorf("TUPLE%d with %d values on the stack", n, len(u.stack))
		}
		t := append(tuple(nil), u.stack[len(u.stack)-n:]...)
		u.stack = u.stack[:len(u.stack)-n]
		return u.push(t)
	case 0x91: // FROZENSET
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(&list{items: items})
	case 'a', 'e', 0x90: // APPEND, APPENDS, ADDITEMS
		var items []any
		if op == 'a' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		l, ok := t.(*list)
		if !ok {
			return fmt.Errorf("append to a %T, not a list", t)
		}
		if len(l.items)+len(items) > maxStack {
			return fmt.Errorf("a list of more than %d items", maxStack)
		}
		l.items = append(l.items, items...)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		if op == 's' {
			if len(u.stack) < 2 {
				return fmt.Errorf("SETITEM with %d values on the stack", len(u.stack))
			}
			items = append(items, u.stack[len(u.stack)-2:]...)
			u.stack = u.stack[:len(u.stack)-2]
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		if len(items)%2 != 0 {
			return fmt.Errorf("SETITEMS with an odd number (%d) of keys and values", len(items))
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		d, ok := t.(*dict)
		if !ok {
			return fmt.Errorf("set an item of a %T, not a dict", t)
		}
		if len(d.keys)+len(items)/2 > maxStack {
			return fmt.Errorf("a dict of more than %d items", maxStack)
		}
		for i := 0; i < len(items); i += 2 {
			d.set(items[i], items[i+1])
		}
	case 'q', 'r', 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
		v, err := u.top()
		if err != nil {
			return err
		}
		var i int
		switch op {
		case 'q':
			i, err = u.u8()
		case 'r':
			i, err = u.u32()
		default:
			i = len(u.memo)
		}
		if err != nil {
			return err
		}
		return u.memoize(i, v)
	case 'h', 'j': // BINGET, LONG_BINGET
		var i int
		var err error
		if op == 'h' {
			i, err = u.u8()
		} else {
			i, err = u.u32()
		}
		if err != nil {
			return err
		}
		v, ok := u.memo[i]
		if !ok {
			return fmt.Errorf("memo entry %d was never stored", i)
		}
		return u.push(v)
	case 'c': // GLOBAL "module\nname\n"
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.global(module, name)
	case 0x93: // STACK_GLOBAL
		name, err1 := u.pop()
		module, err2 := u.pop()
		if err1 != nil || err2 != nil {
			return fmt.Errorf("STACK_GLOBAL without a module and a name")
		}
		m, ok1 := module.(string)
		n, ok2 := name.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL of a %T and a %T, not two strings", module, name)
		}
		return u.global(m, n)
	case 'R', 0x81: // REDUCE, NEWOBJ: call a global on a tuple
		args, err1 := u.pop()
		fn, err2 := u.pop()
		if err1 != nil || err2 != nil {
			return fmt.Errorf("REDUCE without a callable and its arguments")
		}
		g, ok := fn.(global)
		if !ok {
			return fmt.Errorf("REDUCE calls a %T, not a global", fn)
		}
		a, ok := args.(tuple)
		if !ok {
			return fmt.Errorf("REDUCE of %s.%s with %T arguments, not a tuple", g.module, g.name, args)
		}
		v, err := call(g, a)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", g.module, g.name, err)
		}
		return u.push(v)
	case 'b': // BUILD: set an object's state
		state, err := u.pop()
		if err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		switch o := t.(type) {
		case *object:
			o.state = state
		case *dict: // an OrderedDict's attributes (a state dict's _metadata): not weights
		case *tensor: // a tensor subclass's attributes
		default:
			return fmt.Errorf("BUILD on a %T", t)
		}
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return err
		}
		if u.persistent == nil {
			return fmt.Errorf("a persistent reference in a pickle that takes none")
		}
		v, err := u.persistent(pid)
		if err != nil {
			return err
		}
		return u.push(v)
	default:
		return fmt.Errorf("unknown or unsupported opcode %q (text-mode pickles and extensions are not read)", op)
	}
	return nil
}

func (u *unpickler) global(module, name string) error {
	if !allowed(module, name) {
		return fmt.Errorf("global %s.%s is not one this reader rebuilds (tensors, dicts and module trees only); nothing was run", module, name)
	}
	return u.push(global{module, name})
}

// call is what the allowed globals stand for.
func call(g global, args tuple) (any, error) {
	switch {
	case strings.HasPrefix(g.module, "__torch__"): // a module object; BUILD gives it its state
		return &object{class: g.module + "." + g.name}, nil
	case g.name == "OrderedDict":
		return &dict{}, nil
	case g.name == "_rebuild_tensor_v2" || g.name == "_rebuild_tensor":
		return rebuildTensor(args)
	case g.name == "_rebuild_parameter":
		if len(args) < 1 {
			return nil, fmt.Errorf("no tensor to wrap")
		}
		if _, ok := args[0].(*tensor); !ok {
			return nil, fmt.Errorf("wraps a %T, not a tensor", args[0])
		}
		return args[0], nil
	case g.name == "restore_type_tag":
		if len(args) < 1 {
			return nil, fmt.Errorf("no value")
		}
		return args[0], nil
	case strings.HasPrefix(g.name, "build_"): // torch.jit._pickle.build_intlist and kin
		if len(args) < 1 {
			return nil, fmt.Errorf("no list")
		}
		return args[0], nil
	case g.name == "device", g.name == "_get_layout":
		return g.name, nil
	}
	return nil, fmt.Errorf("cannot be called")
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, ...): a view of a storage, checked to lie inside it.
func rebuildTensor(args tuple) (*tensor, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("%d arguments, want at least storage, offset, size and stride", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("storage argument is a %T", args[0])
	}
	offset, ok := args[1].(int64)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("storage offset %v", args[1])
	}
	size, err := ints(args[2])
	if err != nil {
		return nil, fmt.Errorf("size: %w", err)
	}
	stride, err := ints(args[3])
	if err != nil {
		return nil, fmt.Errorf("stride: %w", err)
	}
	if len(size) != len(stride) || len(size) > maxDims {
		return nil, fmt.Errorf("size %v and stride %v", size, stride)
	}
	t := &tensor{storage: st, offset: offset, size: make([]int, len(size)), stride: stride}
	// Every product below stays under st.numel², and st.numel is checked
	// against the storage file's size, so nothing overflows.
	if offset > st.numel {
		return nil, fmt.Errorf("storage offset %d past the end of its %d-element storage", offset, st.numel)
	}
	last, numel := offset, int64(1) // the farthest element the view reaches
	for i, n := range size {
		if n < 0 || stride[i] < 0 || n > st.numel || stride[i] > st.numel {
			return nil, fmt.Errorf("size %v with stride %v for a %d-element storage", size, stride, st.numel)
		}
		numel *= n
		if numel > st.numel {
			return nil, fmt.Errorf("size %v holds more elements than its storage's %d", size, st.numel)
		}
		if n > 0 {
			last += (n - 1) * stride[i]
			if last > st.numel {
				return nil, fmt.Errorf("a view (offset %d, size %v, stride %v) past the end of its %d-element storage", offset, size, stride, st.numel)
			}
		}
		t.size[i] = int(n)
	}
	if numel > 0 && last >= st.numel {
		return nil, fmt.Errorf("a view (offset %d, size %v, stride %v) past the end of its %d-element storage", offset, size, stride, st.numel)
	}
	return t, nil
}

func ints(v any) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("a %T, not a tuple", v)
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok {
			return nil, fmt.Errorf("element %d is a %T", i, x)
		}
		out[i] = n
	}
	return out, nil
}
