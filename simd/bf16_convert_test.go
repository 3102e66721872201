package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stickyWant is ToBF16Sticky of one value, written from its definition.
func stickyWant(x float32) uint16 {
	u := math.Float32bits(x)
	switch {
	case math.IsNaN(float64(x)):
		return uint16(u>>16) | 0x0040
	case u&0x7f800000 == 0 && u&0x007fffff != 0: // denormal
		return uint16(u>>16)&0x8000 | 1
	}
	// Nearest bf16 by comparing the two candidates in float64, ties to
	// even; past the largest finite bf16 the upper candidate is infinity,
	// reached at the same distance as 2^128.
	lo := u &^ 0xffff
	hi := lo + 0x10000
	hiVal := float64(math.Float32frombits(hi))
	if math.IsInf(hiVal, 0) {
		hiVal = math.Copysign(math.Ldexp(1, 128), hiVal)
	}
	dlo := math.Abs(float64(x) - float64(math.Float32frombits(lo)))
	dhi := math.Abs(hiVal - float64(x))
	if math.IsInf(float64(x), 0) {
		return uint16(u >> 16)
	}
	if dhi < dlo || dhi == dlo && (lo>>16)&1 == 1 {
		return uint16(hi >> 16)
	}
	return uint16(lo >> 16)
}

// TestBF16Conversions checks ToBF16Sticky against the definition on
// random bit patterns and on the edge cases (zeros, denormals, ties, the
// overflow to infinity, NaN), and FromBF16 as the exact inverse, at every
// level and at lengths that exercise the vector tails.
func TestBF16Conversions(t *testing.T) {
	edges := []uint32{0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x00018000,
		0x3f808000, 0x3f818000, 0x3f807fff, 0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f800000, 0xff800000,
		0x7fc00000, 0x7f800001, 0xffffffff, 0x3f800000}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, n := range append(testLengths, 31, 33, 4096+5) {
			src := make([]float32, n)
			for i := range src {
				if i < len(edges) && n > 100 {
					src[i] = math.Float32frombits(edges[i])
				} else {
					src[i] = math.Float32frombits(rng.Uint32())
				}
			}
			h := make([]uint16, n+1)
			h[n] = 0xabcd
			ToBF16Sticky(h, src)
			if h[n] != 0xabcd {
				t.Fatalf("ToBF16Sticky n=%d wrote past the end", n)
			}
			for i, x := range src {
				if want := stickyWant(x); h[i] != want {
					t.Fatalf("ToBF16Sticky n=%d [%d] of %#08x = %#04x, want %#04x", n, i, math.Float32bits(x), h[i], want)
				}
			}
			back := make([]float32, n+1)
			back[n] = 7
			FromBF16(back, h[:n])
			if back[n] != 7 {
				t.Fatalf("FromBF16 n=%d wrote past the end", n)
			}
			for i, v := range h[:n] {
				if got := math.Float32bits(back[i]); got != uint32(v)<<16 {
					t.Fatalf("FromBF16 n=%d [%d] of %#04x = %#08x", n, i, v, got)
				}
			}
		}
	})
}
