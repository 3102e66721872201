//go:build amd64 && !purego

#include "textflag.h"
#include "avx512_macros.h"

// ADAMW updates the 16 lanes of p (DI), g (SI), m (DX) and v (R8) under
// mask K1 (all lanes in the main loop), in adamWGo's order of operations.
#define ADAMW \
	VMOVUPS.Z (SI), K1, Z1; \
	VMOVUPS.Z (DX), K1, Z2; \
	VMOVUPS.Z (R8), K1, Z4; \
	VMOVUPS.Z (DI), K1, Z7; \
	VMULPS Z21, Z2, Z2; \
	VMULPS Z23, Z1, Z3; \
	VADDPS Z3, Z2, Z2; \
	VMULPS Z22, Z4, Z4; \
	VMULPS Z24, Z1, Z5; \
	VMULPS Z1, Z5, Z5; \
	VADDPS Z5, Z4, Z4; \
	VMOVUPS Z2, K1, (DX); \
	VMOVUPS Z4, K1, (R8); \
	VSQRTPS Z4, Z5; \
	VMULPS Z26, Z5, Z5; \
	VADDPS Z27, Z5, Z5; \
	VMULPS Z25, Z2, Z6; \
	VDIVPS Z5, Z6, Z6; \
	VMULPS Z20, Z7, Z7; \
	VSUBPS Z6, Z7, Z7; \
	VMOVUPS Z7, K1, (DI)

// func adamWZ(p, grad, m, v *float32, n int, decay, b1, b2, stepSize, invSqrtBc2, eps float32)
TEXT ·adamWZ(SB), NOSPLIT, $0-64
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), R11
	VBROADCASTSS decay+40(FP), Z20
	VBROADCASTSS b1+44(FP), Z21
	VBROADCASTSS b2+48(FP), Z22
	VBROADCASTSS stepSize+52(FP), Z25
	VBROADCASTSS invSqrtBc2+56(FP), Z26
	VBROADCASTSS eps+60(FP), Z27
	MOVL $0x3f800000, AX // 1.0, for 1 - b1 and 1 - b2
	VPBROADCASTD AX, Z30
	VSUBPS Z21, Z30, Z23
	VSUBPS Z22, Z30, Z24
	MOVQ $0xffff, AX
	KMOVW AX, K1
loop:
	CMPQ R11, $16
	JLT tail
	ADAMW
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	SUBQ $16, R11
	JMP loop
tail:
	TESTQ R11, R11
	JEQ done
	MOVQ R11, CX
	TAILMASK
	ADAMW
done:
	VZEROUPPER
	RET
