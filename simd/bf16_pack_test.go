package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bf16BitsRef is the reference rounding of one packed operand: nearest even
// by comparing neighbours in float64 (roundBF16Ref), denormals flushed to
// signed zero as the bf16 instructions do.
func bf16BitsRef(x float32) uint16 {
	u := math.Float32bits(x)
	if u&0x7f800000 == 0 {
		return uint16(u>>16) & 0x8000
	}
	return uint16(math.Float32bits(roundBF16Ref(x)) >> 16)
}

// packValues mixes ordinary values, exact rounding ties, denormals, zeros of
// both signs and wide exponents (all finite, none near the overflow edge).
func packValues(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(6) {
		case 0:
			s[i] = rng.Float32()*2 - 1
		case 1: // tie: the dropped half is exactly 0x8000
			s[i] = math.Float32frombits(rng.Uint32()&0xbfff0000 | 0x8000)
		case 2: // denormal
			s[i] = math.Float32frombits(rng.Uint32() & 0x807fffff)
		case 3:
			s[i] = float32(math.Copysign(0, float64(rng.IntN(2)*2-1)))
		default:
			s[i] = float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(200)-100))
		}
	}
	return s
}

// packCase packs lanes [l0, l0+lanes) × depth [p0, p0+kc) of op(X) into
// panels of w lanes and kp steps.
type packCase struct {
	isA, trans       bool
	lanes, kc, extra int // extra: zero steps past ceil(kc/2)
	w, pad           int
}

func (c packCase) String() string {
	return fmt.Sprintf("A=%v/trans=%v/lanes=%d/kc=%d/extra=%d/w=%d/pad=%d", c.isA, c.trans, c.lanes, c.kc, c.extra, c.w, c.pad)
}

func checkPack(t *testing.T, rng *rand.Rand, tc packCase) {
	t.Helper()
	const l0, p0 = 3, 5
	// Source X stored lanes-major (rows are lanes) unless the operand's
	// storage puts depth first: A stores rows = lanes, B stores rows = depth.
	lanesMajor := tc.isA != tc.trans
	outer, inner := p0+tc.kc, l0+tc.lanes
	if lanesMajor {
		outer, inner = inner, outer
	}
	ld := inner + tc.pad
	src := packValues(rng, (outer-1)*ld+inner) // exact length: reading past it panics
	at := func(lane, p int) float32 {
		if lanesMajor {
			return src[(l0+lane)*ld+p0+p]
		}
		return src[(p0+p)*ld+l0+lane]
	}
	kp := (tc.kc+1)/2 + tc.extra
	panels := (tc.lanes + tc.w - 1) / tc.w
	const guard, sentinel = 9, 0xdeadbeef
	dst := make([]uint32, panels*tc.w*kp+guard)
	for i := range dst {
		dst[i] = sentinel // also checks that padding is written as zero
	}
	if tc.isA {
		packABF16(dst[:panels*tc.w*kp], tc.trans, src, ld, l0, tc.lanes, p0, tc.kc, kp, tc.w)
	} else {
		packBBF16(dst[:panels*tc.w*kp], tc.trans, src, ld, p0, tc.kc, kp, l0, tc.lanes, tc.w)
	}
	for q := 0; q < panels; q++ {
		for p := 0; p < kp; p++ {
			for l := 0; l < tc.w; l++ {
				lane := q*tc.w + l
				var want uint32
				if lane < tc.lanes && 2*p < tc.kc {
					want = uint32(bf16BitsRef(at(lane, 2*p)))
					if 2*p+1 < tc.kc {
						want |= uint32(bf16BitsRef(at(lane, 2*p+1))) << 16
					}
				}
				if got := dst[q*tc.w*kp+p*tc.w+l]; got != want {
					t.Fatalf("%v: panel %d step %d lane %d = %#08x, want %#08x (inputs %g, %g)",
						tc, q, p, l, got, want, at(min(lane, tc.lanes-1), min(2*p, tc.kc-1)), at(min(lane, tc.lanes-1), min(2*p+1, tc.kc-1)))
				}
			}
		}
	}
	for i := panels * tc.w * kp; i < len(dst); i++ {
		if dst[i] != sentinel {
			t.Fatalf("%v: guard word %d after the panels overwritten with %#08x", tc, i, dst[i])
		}
	}
}

// TestPackBF16 checks both packers, both transposes, ragged lane counts and
// depths (odd, across the 16- and 32-float chunks of the assembly), padded
// steps and leading dimensions, against the element-wise reference; with
// the assembly and with the Go loops.
func TestPackBF16(t *testing.T) {
	modes := []bool{false}
	if bf16PackAsm {
		modes = append(modes, true)
	}
	lanes := []int{1, 5, 12, 13, 31, 32, 33, 70, 270}
	depths := []int{1, 2, 3, 31, 32, 33, 63, 64, 65, 100}
	if testing.Short() {
		lanes, depths = []int{1, 13, 32, 270}, []int{1, 2, 33, 65}
	}
	defer func(old bool) { bf16PackAsm = old }(bf16PackAsm)
	for _, asm := range modes {
		bf16PackAsm = asm
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			for _, isA := range []bool{true, false} {
				for _, trans := range []bool{false, true} {
					for _, w := range []int{12, 32} {
						for _, n := range lanes {
							for _, kc := range depths {
								for _, extra := range []int{0, 3} {
									checkPack(t, rng, packCase{isA: isA, trans: trans, lanes: n, kc: kc, extra: extra, w: w, pad: (n + kc) % 4})
								}
							}
						}
					}
				}
			}
		})
	}
}
