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

var readable = map[string]dtype{
	"F32":  {4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }},
	"F16":  {2, func(b []byte) float32 { return HalfToFloat32(binary.LittleEndian.Uint16(b)) }},
	"BF16": {2, func(b []byte) float32 { return BFloat16ToFloat32(binary.LittleEndian.Uint16(b)) }},
}

// known lists the other dtypes of the format, so that an error can tell
// "valid file, unsupported type" apart from "not a dtype at all".
var known = map[string]bool{
	"F64": true, "I64": true, "I32": true, "I16": true, "I8": true, "U8": true,
	"U16": true, "U32": true, "U64": true, "BOOL": true, "F8_E4M3": true, "F8_E5M2": true,
}

func lookupDtype(name string) (dtype, error) {
	if d, ok := readable[name]; ok {
		return d, nil
	}
	if known[name] {
		return dtype{}, fmt.Errorf("dtype %s is not supported (only F32, F16 and BF16 can be read; convert the checkpoint to float first)", name)
	}
	return dtype{}, fmt.Errorf("unknown dtype %q", name)
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
