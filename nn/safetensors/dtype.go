package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// dtype describes how one stored element decodes to float32.
type dtype struct {
	size   int
	decode func(b []byte) float32
}

// readable holds every dtype of the format. Integers widen to the nearest
// float32, exactly up to 2^24 in magnitude (BatchNorm's int64
// num_batches_tracked, token ids); F64 rounds to nearest.
var readable = map[string]dtype{
	"F32":     {4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }},
	"F16":     {2, func(b []byte) float32 { return HalfToFloat32(binary.LittleEndian.Uint16(b)) }},
	"BF16":    {2, func(b []byte) float32 { return BFloat16ToFloat32(binary.LittleEndian.Uint16(b)) }},
	"F64":     {8, func(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }},
	"F8_E4M3": {1, func(b []byte) float32 { return float8E4M3ToFloat32(b[0]) }},
	"F8_E5M2": {1, func(b []byte) float32 { return HalfToFloat32(uint16(b[0]) << 8) }}, // the top byte of a binary16
	"I64":     {8, func(b []byte) float32 { return float32(int64(binary.LittleEndian.Uint64(b))) }},
	"I32":     {4, func(b []byte) float32 { return float32(int32(binary.LittleEndian.Uint32(b))) }},
	"I16":     {2, func(b []byte) float32 { return float32(int16(binary.LittleEndian.Uint16(b))) }},
	"I8":      {1, func(b []byte) float32 { return float32(int8(b[0])) }},
	"U64":     {8, func(b []byte) float32 { return float32(binary.LittleEndian.Uint64(b)) }},
	"U32":     {4, func(b []byte) float32 { return float32(binary.LittleEndian.Uint32(b)) }},
	"U16":     {2, func(b []byte) float32 { return float32(binary.LittleEndian.Uint16(b)) }},
	"U8":      {1, func(b []byte) float32 { return float32(b[0]) }},
	"BOOL":    {1, func(b []byte) float32 { return float32(min(b[0], 1)) }},
}

func lookupDtype(name string) (dtype, error) {
	if d, ok := readable[name]; ok {
		return d, nil
	}
	return dtype{}, fmt.Errorf("unknown dtype %q", name)
}

// float8E4M3ToFloat32 decodes the OCP E4M3 ("fn") format: bias 7, no
// infinities, and S.1111.111 is NaN.
func float8E4M3ToFloat32(v uint8) float32 {
	sign := float32(1)
	if v&0x80 != 0 {
		sign = -1
	}
	exp, frac := int(v>>3)&0xf, float32(v&7)
	switch {
	case exp == 0xf && v&7 == 7:
		return float32(math.NaN())
	case exp == 0: // subnormal: frac/8 · 2^-6
		return sign * frac / 8 / 64
	default:
		return sign * (1 + frac/8) * float32(math.Ldexp(1, exp-7))
	}
}

// HalfToFloat32 converts an IEEE 754 binary16 bit pattern to float32 exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN: keep the payload in the top mantissa bits
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign) // ±0
	default: // subnormal: frac · 2^-24, exact in float32
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// BFloat16ToFloat32 converts a bfloat16 bit pattern (the top half of a float32).
func BFloat16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// Decode widens raw little-endian elements of a safetensors dtype (F16,
// BF16, I64, …) to float32, as Read does; other formats that store the
// same element types (PyTorch's storages) share it.
func Decode(dtype string, raw []byte) ([]float32, error) {
	d, err := lookupDtype(dtype)
	if err != nil {
		return nil, err
	}
	if len(raw)%d.size != 0 {
		return nil, fmt.Errorf("%d bytes are not a whole number of %d-byte %s elements", len(raw), d.size, dtype)
	}
	out := make([]float32, len(raw)/d.size)
	for i := range out {
		out[i] = d.decode(raw[i*d.size:])
	}
	return out, nil
}
