#!/usr/bin/env python3
"""Writes nn/safetensors/testdata/dtypes.safetensors: one small tensor of every
dtype of the safetensors format, encoded with Python's struct module (and the
spec's bit layouts for BF16 and FP8), with the float32 each element must read
as in the "expected" metadata. The Go reader is checked against it.
Usage: python3 scripts/make_dtype_golden.py (no third-party modules)."""
import json, math, os, struct

def f32(x):  # round to the nearest float32, as a Python float
    return struct.unpack('<f', struct.pack('<f', x))[0]

def e4m3(b):  # OCP FP8 E4M3 (fn): bias 7, no inf, S.1111.111 is NaN
    s = -1.0 if b & 0x80 else 1.0
    e, m = (b >> 3) & 0xF, b & 7
    if e == 0xF and m == 7:
        return math.nan
    if e == 0:
        return s * m / 8 * 2.0 ** -6
    return s * (1 + m / 8) * 2.0 ** (e - 7)

def e5m2(b):  # OCP FP8 E5M2: bias 15, IEEE-like
    s = -1.0 if b & 0x80 else 1.0
    e, m = (b >> 2) & 0x1F, b & 3
    if e == 0x1F:
        return s * math.inf if m == 0 else math.nan
    if e == 0:
        return s * m / 4 * 2.0 ** -14
    return s * (1 + m / 4) * 2.0 ** (e - 15)

tensors = []  # (name, dtype, bytes, expected floats)
def add(dtype, fmt, values, expected=None):
    data = b''.join(struct.pack('<' + fmt, v) for v in values)
    tensors.append((dtype.lower(), dtype, data, expected or [f32(float(v)) for v in values]))

add('F32', 'f', [1.5, -0.0, 3.4e38, 1e-45])
add('F64', 'd', [1.0 / 3, -2.5e-300, 1e300, 6.02214076e23], [f32(1.0 / 3), -0.0, math.inf, f32(6.02214076e23)])
add('F16', 'e', [1.0, -2.0, 65504.0, 2.0 ** -24])
add('I64', 'q', [0, 7, -(2 ** 40), 2 ** 24 + 1], [0.0, 7.0, -(2.0 ** 40), f32(2 ** 24 + 1)])
add('I32', 'i', [-1, 2 ** 31 - 1, 12345])
add('I16', 'h', [-32768, 32767, 0])
add('I8', 'b', [-128, 127, 5])
add('U64', 'Q', [2 ** 64 - 1, 3])
add('U32', 'I', [2 ** 32 - 1, 9])
add('U16', 'H', [65535, 1])
add('U8', 'B', [255, 0, 17])
add('BOOL', 'B', [0, 1, 1], [0.0, 1.0, 1.0])
bf16 = [0x3F80, 0xC040, 0x7F80, 0x0001]  # 1, -3, +inf, the smallest subnormal
tensors.append(('bf16', 'BF16', b''.join(struct.pack('<H', v) for v in bf16),
                [struct.unpack('<f', struct.pack('<I', v << 16))[0] for v in bf16]))
e4 = [0x38, 0x7E, 0x01, 0xB8, 0x08]  # 1, 448 (max), 2^-9, -1, 2^-6
tensors.append(('f8_e4m3', 'F8_E4M3', bytes(e4), [f32(e4m3(b)) for b in e4]))
e5 = [0x3C, 0x7B, 0x7C, 0x01, 0xC0]  # 1, 57344 (max), +inf, 2^-16, -2
tensors.append(('f8_e5m2', 'F8_E5M2', bytes(e5), [f32(e5m2(b)) for b in e5]))

def num(x):
    return 'inf' if x == math.inf else '-inf' if x == -math.inf else repr(x)

header, body = {}, b''
for name, dtype, data, _ in tensors:
    n = len(data) // {'F64': 8, 'I64': 8, 'U64': 8, 'F32': 4, 'I32': 4, 'U32': 4, 'F16': 2, 'BF16': 2, 'I16': 2, 'U16': 2}.get(dtype, 1)
    header[name] = {'dtype': dtype, 'shape': [n], 'data_offsets': [len(body), len(body) + len(data)]}
    body += data
header['__metadata__'] = {'expected': json.dumps({name: [num(x) for x in exp] for name, _, _, exp in tensors}, sort_keys=True)}
h = json.dumps(header, sort_keys=True).encode()
h += b' ' * (-len(h) % 8)
out = os.path.join(os.path.dirname(__file__), '..', 'nn', 'safetensors', 'testdata', 'dtypes.safetensors')
with open(out, 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h + body)
print('wrote', os.path.normpath(out), len(tensors), 'tensors')
