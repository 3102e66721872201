//go:build amd64 && !purego

#include "textflag.h"
#include "avx512_macros.h"

// AVX-512 elementwise transcendental kernels for the row functions (rows.go).
// The algorithms are those of rows_generic.go: a Cephes-style expf (range
// reduction by n = round(x·log2 e), degree-5 polynomial, VSCALEFPS for 2^n),
// Abramowitz & Stegun 7.1.26 for Φ, and 1/(1+e^(-2u)) for the tanh gate.
// 16 lanes per step; the last n%16 elements go through lane mask K1.

// LDC broadcasts the float32 with bit pattern bits into reg.
#define LDC(bits, reg) MOVL $bits, AX; VPBROADCASTD AX, reg

// EXPCONSTS loads the expf constants into Z16-Z27.
#define EXPCONSTS LDC(0x3fb8aa3b, Z16); LDC(0x3f318000, Z17); LDC(0xb95e8083, Z18); LDC(0x42b1999a, Z19); LDC(0xc2d00000, Z20); LDC(0x39506967, Z21); LDC(0x3ab743ce, Z22); LDC(0x3c088908, Z23); LDC(0x3d2aa9c1, Z24); LDC(0x3e2aaaaa, Z25); LDC(0x3f000000, Z26); LDC(0x3f800000, Z27)

// EXP sets Z0 = e^Z0; clobbers Z1-Z3. Clamping to [-104, 88.8] keeps NaN
// (x is VMAXPS/VMINPS's second source) and makes the result 0 or +Inf
// beyond; Z1 = n, Z0 = r, Z2 = polynomial, Z0 = (1 + r + r²·p)·2^n.
#define EXP VMAXPS Z0, Z20, Z0; VMINPS Z0, Z19, Z0; VMULPS Z16, Z0, Z1; VRNDSCALEPS $0, Z1, Z1; VFNMADD231PS Z17, Z1, Z0; VFNMADD231PS Z18, Z1, Z0; VMOVAPS Z21, Z2; VFMADD213PS Z22, Z0, Z2; VFMADD213PS Z23, Z0, Z2; VFMADD213PS Z24, Z0, Z2; VFMADD213PS Z25, Z0, Z2; VFMADD213PS Z26, Z0, Z2; VMULPS Z0, Z0, Z3; VFMADD213PS Z0, Z3, Z2; VADDPS Z27, Z2, Z2; VSCALEFPS Z1, Z2, Z0

// PHICONSTS loads Z8 = p, Z9-Z13 = a1..a5, Z14 = 1/√2, Z15 = 1/√(2π),
// Z28 = 0.5, Z29 = abs mask, Z30 = 0.
#define PHICONSTS LDC(0x3ea7ba05, Z8); LDC(0x3e827906, Z9); LDC(0xbe91a98e, Z10); LDC(0x3fb5f0e3, Z11); LDC(0xbfba00e3, Z12); LDC(0x3f87dc22, Z13); LDC(0x3f3504f3, Z14); LDC(0x3ecc422a, Z15); LDC(0x3f000000, Z28); LDC(0x7fffffff, Z29); VPXORD Z30, Z30, Z30

// PHI sets Z0 = Φ(Z6) and Z7 = e^(-x²/2); clobbers Z1-Z5, K2.
// z = |x|/√2, t = 1/(1+p·z), h = t·poly(t)·e^(-z²)/2 = Φ(-|x|).
#define PHI VANDPS Z29, Z6, Z4; VMULPS Z14, Z4, Z4; VMULPS Z4, Z4, Z0; VSUBPS Z0, Z30, Z0; EXP; VMOVAPS Z0, Z7; VMOVAPS Z27, Z5; VFMADD231PS Z8, Z4, Z5; VDIVPS Z5, Z27, Z5; VMOVAPS Z13, Z4; VFMADD213PS Z12, Z5, Z4; VFMADD213PS Z11, Z5, Z4; VFMADD213PS Z10, Z5, Z4; VFMADD213PS Z9, Z5, Z4; VMULPS Z5, Z4, Z4; VMULPS Z7, Z4, Z4; VMULPS Z28, Z4, Z4; VSUBPS Z4, Z27, Z0; VCMPPS $1, Z30, Z6, K2; VMOVAPS Z4, K2, Z0

// GATECONSTS loads Z8 = 0.044715, Z9 = -2√(2/π), Z10 = √(2/π), Z11 = 3·0.044715.
#define GATECONSTS LDC(0x3d372713, Z8); LDC(0xbfcc422a, Z9); LDC(0x3f4c422a, Z10); LDC(0x3e095d4f, Z11)

// GATE sets Z0 = s = 1/(1 + e^(-2u)), u = √(2/π)·x·(1 + 0.044715·x²), for
// x in Z6, and Z4 = x²; clobbers Z1-Z3, Z5.
#define GATE VMULPS Z6, Z6, Z4; VMOVAPS Z27, Z5; VFMADD231PS Z8, Z4, Z5; VMULPS Z6, Z5, Z0; VMULPS Z9, Z0, Z0; EXP; VADDPS Z27, Z0, Z0; VDIVPS Z0, Z27, Z0

// func expSumZ(dst, x *float32, n int, shift float32) float32
TEXT ·expSumZ(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Z4
	EXPCONSTS
	VPXORD Z5, Z5, Z5
exp16:
	CMPQ CX, $16
	JLT exptail
	VADDPS (SI), Z4, Z0
	EXP
	VMOVUPS Z0, (DI)
	VADDPS Z0, Z5, Z5
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP exp16
exptail:
	TESTQ CX, CX
	JEQ expdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VADDPS Z4, Z0, Z0
	EXP
	VMOVUPS Z0, K1, (DI)
	VADDPS Z0, Z5, K1, Z5
expdone:
	VMOVAPS Z5, Z0
	HSUM
	MOVSS X0, ret+32(FP)
	VZEROUPPER
	RET

// func geluZ(dst, x *float32, n int)
TEXT ·geluZ(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	PHICONSTS
gelu16:
	CMPQ CX, $16
	JLT gelutail
	VMOVUPS (SI), Z6
	PHI
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP gelu16
gelutail:
	TESTQ CX, CX
	JEQ geludone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	PHI
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, K1, (DI)
geludone:
	VZEROUPPER
	RET

// func geluGradZ(dx, dy, x *float32, n int)
// dx = dy·(Φ(x) + x·e^(-x²/2)/√(2π))
TEXT ·geluGradZ(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	EXPCONSTS
	PHICONSTS
geluGrad16:
	CMPQ CX, $16
	JLT geluGradtail
	VMOVUPS (SI), Z6
	PHI
	VMULPS Z15, Z7, Z7
	VFMADD231PS Z7, Z6, Z0
	VMULPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP geluGrad16
geluGradtail:
	TESTQ CX, CX
	JEQ geluGraddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	PHI
	VMULPS Z15, Z7, Z7
	VFMADD231PS Z7, Z6, Z0
	VMOVUPS.Z (DX), K1, Z4
	VMULPS Z4, Z0, Z0
	VMOVUPS Z0, K1, (DI)
geluGraddone:
	VZEROUPPER
	RET

// func geluTanhZ(dst, x *float32, n int)
TEXT ·geluTanhZ(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	GATECONSTS
geluTanh16:
	CMPQ CX, $16
	JLT geluTanhtail
	VMOVUPS (SI), Z6
	GATE
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP geluTanh16
geluTanhtail:
	TESTQ CX, CX
	JEQ geluTanhdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	GATE
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, K1, (DI)
geluTanhdone:
	VZEROUPPER
	RET

// GATEGRAD sets Z0 = s + x·s·(1-s)·2·√(2/π)·(1 + 3·0.044715·x²) after GATE.
#define GATEGRAD VMOVAPS Z27, Z5; VFMADD231PS Z11, Z4, Z5; VMULPS Z10, Z5, Z5; VSUBPS Z0, Z27, Z3; VMULPS Z0, Z3, Z3; VMULPS Z6, Z3, Z3; VMULPS Z5, Z3, Z3; VADDPS Z3, Z3, Z3; VADDPS Z3, Z0, Z0

// func geluTanhGradZ(dx, dy, x *float32, n int)
TEXT ·geluTanhGradZ(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	EXPCONSTS
	GATECONSTS
geluTanhGrad16:
	CMPQ CX, $16
	JLT geluTanhGradtail
	VMOVUPS (SI), Z6
	GATE
	GATEGRAD
	VMULPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP geluTanhGrad16
geluTanhGradtail:
	TESTQ CX, CX
	JEQ geluTanhGraddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	GATE
	GATEGRAD
	VMOVUPS.Z (DX), K1, Z4
	VMULPS Z4, Z0, Z0
	VMOVUPS Z0, K1, (DI)
geluTanhGraddone:
	VZEROUPPER
	RET

// QGCONSTS loads Z8 = -1.702 and Z9 = 1.702, QuickGELU's sigmoid scale c.
#define QGCONSTS LDC(0xbfd9db23, Z8); LDC(0x3fd9db23, Z9)

// QGATE sets Z0 = s = 1/(1 + e^(-c·x)) for x in Z6; clobbers Z1-Z3.
#define QGATE VMULPS Z8, Z6, Z0; EXP; VADDPS Z27, Z0, Z0; VDIVPS Z0, Z27, Z0

// QGATEGRAD sets Z4 = 1 + c·x·(1-s) after QGATE; then dx = (dy·s)·Z4.
#define QGATEGRAD VSUBPS Z0, Z27, Z3; VMULPS Z9, Z6, Z4; VMULPS Z3, Z4, Z4; VADDPS Z27, Z4, Z4

// func quickGeluZ(dst, x *float32, n int)
TEXT ·quickGeluZ(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	QGCONSTS
quickGelu16:
	CMPQ CX, $16
	JLT quickGelutail
	VMOVUPS (SI), Z6
	QGATE
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP quickGelu16
quickGelutail:
	TESTQ CX, CX
	JEQ quickGeludone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	QGATE
	VMULPS Z6, Z0, Z0
	VMOVUPS Z0, K1, (DI)
quickGeludone:
	VZEROUPPER
	RET

// func quickGeluGradZ(dx, dy, x *float32, n int)
TEXT ·quickGeluGradZ(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	EXPCONSTS
	QGCONSTS
quickGeluGrad16:
	CMPQ CX, $16
	JLT quickGeluGradtail
	VMOVUPS (SI), Z6
	QGATE
	QGATEGRAD
	VMULPS (DX), Z0, Z0
	VMULPS Z4, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP quickGeluGrad16
quickGeluGradtail:
	TESTQ CX, CX
	JEQ quickGeluGraddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z6
	QGATE
	QGATEGRAD
	VMOVUPS.Z (DX), K1, Z5
	VMULPS Z5, Z0, Z0
	VMULPS Z4, Z0, Z0
	VMOVUPS Z0, K1, (DI)
quickGeluGraddone:
	VZEROUPPER
	RET
