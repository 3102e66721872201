//go:build amd64 && !purego

#include "textflag.h"
#include "avx512_macros.h"

// float32 <-> bf16 for whole arrays, 16 lanes a vector, integer arithmetic
// only (AVX-512 F/BW, no AVX512_BF16 needed). CX counts the elements left;
// the last n%16 go under lane mask K1.

// STICKY rounds the float32 bits in Z0 to bf16 bits in the low halves of
// Z3: (u + 0x7fff + lsb) >> 16; NaN keeps its top bits with the quiet bit
// set; a non-zero denormal becomes sign | 1.
#define STICKY \
	VPSRLD $16, Z0, Z1; \
	VPANDD Z21, Z1, Z2; \
	VPADDD Z20, Z0, Z3; \
	VPADDD Z2, Z3, Z3; \
	VPSRLD $16, Z3, Z3; \
	VPANDD Z22, Z0, Z4; \
	VPCMPUD $6, Z23, Z4, K2; \
	VPORD Z26, Z1, K2, Z3; \
	VPTESTMD Z4, Z4, K3; \
	VPCMPUD $1, Z27, Z4, K3, K3; \
	VPANDD Z25, Z1, Z5; \
	VPORD Z21, Z5, K3, Z3

// func toBF16StickyZ(dst *uint16, src *float32, n int)
TEXT ·toBF16StickyZ(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $0x7fff, AX
	VPBROADCASTD AX, Z20
	MOVL $1, AX
	VPBROADCASTD AX, Z21
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z22
	MOVL $0x7f800000, AX
	VPBROADCASTD AX, Z23
	MOVL $0x8000, AX
	VPBROADCASTD AX, Z25
	MOVL $0x40, AX
	VPBROADCASTD AX, Z26
	MOVL $0x00800000, AX
	VPBROADCASTD AX, Z27
st16:
	CMPQ CX, $16
	JLT sttail
	VMOVDQU32 (SI), Z0
	STICKY
	VPMOVDW Z3, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $16, CX
	JMP st16
sttail:
	TESTQ CX, CX
	JEQ stdone
	TAILMASK
	VMOVDQU32.Z (SI), K1, Z0
	STICKY
	VPMOVDW Z3, K1, (DI)
stdone:
	VZEROUPPER
	RET

// func fromBF16Z(dst *float32, src *uint16, n int)
TEXT ·fromBF16Z(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
ld32:
	CMPQ CX, $32
	JLT ld16
	VPMOVZXWD (SI), Z0
	VPMOVZXWD 32(SI), Z1
	VPSLLD $16, Z0, Z0
	VPSLLD $16, Z1, Z1
	VMOVDQU32 Z0, (DI)
	VMOVDQU32 Z1, 64(DI)
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP ld32
ld16:
	CMPQ CX, $16
	JLT ldtail
	VPMOVZXWD (SI), Z0
	VPSLLD $16, Z0, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP ld16
ldtail:
	TESTQ CX, CX
	JEQ lddone
	TAILMASK
	VPMOVZXWD.Z (SI), K1, Z0
	VPSLLD $16, Z0, Z0
	VMOVDQU32 Z0, K1, (DI)
lddone:
	VZEROUPPER
	RET
