//go:build amd64 && !purego

#include "textflag.h"
#include "avx512_macros.h"

// AVX-512 row kernels. A row of n floats is n/16 full vectors and a tail
// of n%16 lanes under mask K1, so nothing past a row's n floats is read or
// written (rows are lda floats apart and the gap may belong to others).
// Two accumulators take alternate vectors or rows to halve the FMA chains.

// ROWMASK sets R10 = n%16, R11 = n/16 and K1 to the low R10 lanes, from n in R11.
#define ROWMASK MOVQ R11, R10; ANDQ $15, R10; SHRQ $4, R11; MOVQ R10, CX; MOVQ $1, AX; SHLQ CX, AX; DECQ AX; KMOVW AX, K1

// func dotRowsZ(dst, x, a *float32, rows, n, lda int, scale float32)
TEXT ·dotRowsZ(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ n+32(FP), R11
	MOVQ lda+40(FP), R9
	SHLQ $2, R9
	VMOVSS scale+48(FP), X14
	ROWMASK
drow:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	MOVQ SI, AX
	MOVQ DX, BX
	MOVQ R11, R12
dpair:
	CMPQ R12, $2
	JLT done
	VMOVUPS (AX), Z2
	VMOVUPS 64(AX), Z3
	VFMADD231PS (BX), Z2, Z0
	VFMADD231PS 64(BX), Z3, Z1
	ADDQ $128, AX
	ADDQ $128, BX
	SUBQ $2, R12
	JMP dpair
done:
	TESTQ R12, R12
	JEQ dtail
	VMOVUPS (AX), Z2
	VFMADD231PS (BX), Z2, Z0
	ADDQ $64, AX
	ADDQ $64, BX
dtail:
	TESTQ R10, R10
	JEQ dsum
	VMOVUPS.Z (AX), K1, Z2
	VMOVUPS.Z (BX), K1, Z3
	VFMADD231PS Z3, Z2, Z1
dsum:
	VADDPS Z1, Z0, Z0
	HSUM
	VMULSS X14, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ R9, DX
	DECQ R8
	JNZ drow
	VZEROUPPER
	RET

// func axpyRowsZ(y, w, a *float32, rows, n, lda int)
// One 16-lane slice of y at a time (the last under mask K2), summing
// w[j]·a_j over the rows in registers before adding to y.
TEXT ·axpyRowsZ(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ n+32(FP), R11
	MOVQ lda+40(FP), R9
	SHLQ $2, R9
	XORQ R13, R13
achunk:
	TESTQ R11, R11
	JLE adone
	MOVQ $0xffff, AX
	CMPQ R11, $16
	JGE amask
	MOVQ R11, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
amask:
	KMOVW AX, K2
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	LEAQ (DX)(R13*1), BX
	MOVQ SI, AX
	MOVQ R8, R12
apair:
	CMPQ R12, $2
	JLT aone
	VBROADCASTSS (AX), Z2
	VBROADCASTSS 4(AX), Z3
	VMOVUPS.Z (BX), K2, Z4
	VMOVUPS.Z (BX)(R9*1), K2, Z5
	VFMADD231PS Z4, Z2, Z0
	VFMADD231PS Z5, Z3, Z1
	ADDQ $8, AX
	LEAQ (BX)(R9*2), BX
	SUBQ $2, R12
	JMP apair
aone:
	TESTQ R12, R12
	JEQ astore
	VBROADCASTSS (AX), Z2
	VMOVUPS.Z (BX), K2, Z4
	VFMADD231PS Z4, Z2, Z0
astore:
	VADDPS Z1, Z0, Z0
	VMOVUPS.Z (DI)(R13*1), K2, Z4
	VADDPS Z4, Z0, Z0
	VMOVUPS Z0, K2, (DI)(R13*1)
	ADDQ $64, R13
	SUBQ $16, R11
	JMP achunk
adone:
	VZEROUPPER
	RET

// func addOuterRowsZ(a *float32, lda int, w, x *float32, rows, n int)
TEXT ·addOuterRowsZ(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), DX
	MOVQ lda+8(FP), R9
	SHLQ $2, R9
	MOVQ w+16(FP), SI
	MOVQ x+24(FP), DI
	MOVQ rows+32(FP), R8
	MOVQ n+40(FP), R11
	ROWMASK
orow:
	VBROADCASTSS (SI), Z0
	MOVQ DI, AX
	MOVQ DX, BX
	MOVQ R11, R12
ochunk:
	TESTQ R12, R12
	JEQ otail
	VMOVUPS (BX), Z1
	VFMADD231PS (AX), Z0, Z1
	VMOVUPS Z1, (BX)
	ADDQ $64, AX
	ADDQ $64, BX
	DECQ R12
	JMP ochunk
otail:
	TESTQ R10, R10
	JEQ onext
	VMOVUPS.Z (BX), K1, Z1
	VMOVUPS.Z (AX), K1, Z2
	VFMADD231PS Z2, Z0, Z1
	VMOVUPS Z1, K1, (BX)
onext:
	ADDQ $4, SI
	ADDQ R9, DX
	DECQ R8
	JNZ orow
	VZEROUPPER
	RET
