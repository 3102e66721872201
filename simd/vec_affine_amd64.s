//go:build amd64 && !purego

#include "textflag.h"
#include "avx512_macros.h"

// AVX-512 batch-norm and ReLU kernels. CX counts the elements left; main
// loops take several 16-lane vectors per trip, then one, and the last n%16
// use lane mask K1 (zeroing loads, masked stores), so nothing past n is read
// or written.

// func momentsZ(x *float32, n int) (sum, m2 float32)
// Pass 1 sums; pass 2 accumulates (mean - x)², the same squares as
// (x - mean)² (VSUBPS takes its memory operand as the subtrahend).
TEXT ·momentsZ(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ SI, DI
	MOVQ CX, DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
sum64:
	CMPQ CX, $64
	JLT sum16
	VADDPS (SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	VADDPS 128(SI), Z2, Z2
	VADDPS 192(SI), Z3, Z3
	ADDQ $256, SI
	SUBQ $64, CX
	JMP sum64
sum16:
	CMPQ CX, $16
	JLT sumtail
	VADDPS (SI), Z0, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JMP sum16
sumtail:
	TESTQ CX, CX
	JEQ sumdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z4
	VADDPS Z4, Z0, Z0
sumdone:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	HSUM
	MOVSS X0, sum+16(FP)
	VCVTSI2SSQ DX, X1, X1
	VDIVSS X1, X0, X2
	VBROADCASTSS X2, Z31 // mean
	MOVQ DI, SI
	MOVQ DX, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
sq64:
	CMPQ CX, $64
	JLT sq16
	VSUBPS (SI), Z31, Z4
	VSUBPS 64(SI), Z31, Z5
	VSUBPS 128(SI), Z31, Z6
	VSUBPS 192(SI), Z31, Z7
	VFMADD231PS Z4, Z4, Z0
	VFMADD231PS Z5, Z5, Z1
	VFMADD231PS Z6, Z6, Z2
	VFMADD231PS Z7, Z7, Z3
	ADDQ $256, SI
	SUBQ $64, CX
	JMP sq64
sq16:
	CMPQ CX, $16
	JLT sqtail
	VSUBPS (SI), Z31, Z4
	VFMADD231PS Z4, Z4, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JMP sq16
sqtail:
	TESTQ CX, CX
	JEQ sqdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z4
	VSUBPS.Z Z4, Z31, K1, Z4 // lanes past n stay 0, not mean
	VFMADD231PS Z4, Z4, Z0
sqdone:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	HSUM
	MOVSS X0, m2+20(FP)
	VZEROUPPER
	RET

// func affineZ(dst, x *float32, n int, a, m, b float32)
TEXT ·affineZ(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Z31
	VBROADCASTSS m+28(FP), Z29
	VBROADCASTSS b+32(FP), Z30
af64:
	CMPQ CX, $64
	JLT af16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VSUBPS Z29, Z0, Z0
	VFMADD213PS Z30, Z31, Z0 // Z0 = a·(x - m) + b
	VSUBPS Z29, Z1, Z1
	VFMADD213PS Z30, Z31, Z1
	VSUBPS Z29, Z2, Z2
	VFMADD213PS Z30, Z31, Z2
	VSUBPS Z29, Z3, Z3
	VFMADD213PS Z30, Z31, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JMP af64
af16:
	CMPQ CX, $16
	JLT aftail
	VMOVUPS (SI), Z0
	VSUBPS Z29, Z0, Z0
	VFMADD213PS Z30, Z31, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP af16
aftail:
	TESTQ CX, CX
	JEQ afdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS Z29, Z0, Z0
	VFMADD213PS Z30, Z31, Z0
	VMOVUPS Z0, K1, (DI)
afdone:
	VZEROUPPER
	RET

// func sumDotDevZ(y, x *float32, n int, m float32) (sumY, dotDev float32)
// Sums in Z0/Z1, dot products in Z2/Z3. Tail lanes of y load as 0, so
// their (x - m) adds nothing.
TEXT ·sumDotDevZ(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Z31
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
sd32:
	CMPQ CX, $32
	JLT sd16
	VMOVUPS (SI), Z4
	VMOVUPS 64(SI), Z5
	VMOVUPS (DI), Z6
	VMOVUPS 64(DI), Z7
	VSUBPS Z31, Z6, Z6 // x - m
	VSUBPS Z31, Z7, Z7
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VFMADD231PS Z6, Z4, Z2
	VFMADD231PS Z7, Z5, Z3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP sd32
sd16:
	CMPQ CX, $16
	JLT sdtail
	VMOVUPS (SI), Z4
	VMOVUPS (DI), Z6
	VSUBPS Z31, Z6, Z6
	VADDPS Z4, Z0, Z0
	VFMADD231PS Z6, Z4, Z2
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP sd16
sdtail:
	TESTQ CX, CX
	JEQ sddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z4
	VMOVUPS.Z (DI), K1, Z6
	VSUBPS Z31, Z6, Z6
	VADDPS Z4, Z0, Z0
	VFMADD231PS Z6, Z4, Z2
sddone:
	VADDPS Z3, Z2, Z2
	VMOVAPS Z2, Z8
	VADDPS Z1, Z0, Z0
	HSUM
	MOVSS X0, sumY+32(FP)
	VMOVAPS Z8, Z0
	HSUM
	MOVSS X0, dotDev+36(FP)
	VZEROUPPER
	RET

// func affinePairZ(dst, y, x *float32, n int, a, b, m, c float32, add int)
// dst = a·y + c + b·(x - m), plus the old dst when add != 0 (the branch
// goes the same way every trip, so it is predicted).
TEXT ·affinePairZ(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS a+32(FP), Z31
	VBROADCASTSS b+36(FP), Z30
	VBROADCASTSS m+40(FP), Z29
	VBROADCASTSS c+44(FP), Z28
	MOVQ add+48(FP), R8
ap32:
	CMPQ CX, $32
	JLT ap16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS (DX), Z2
	VMOVUPS 64(DX), Z3
	VSUBPS Z29, Z2, Z2
	VSUBPS Z29, Z3, Z3
	VFMADD213PS Z28, Z31, Z0 // a·y + c
	VFMADD213PS Z28, Z31, Z1
	VFMADD231PS Z2, Z30, Z0  // + b·(x - m)
	VFMADD231PS Z3, Z30, Z1
	TESTQ R8, R8
	JEQ ap32store
	VADDPS (DI), Z0, Z0
	VADDPS 64(DI), Z1, Z1
ap32store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP ap32
ap16:
	CMPQ CX, $16
	JLT aptail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z2
	VSUBPS Z29, Z2, Z2
	VFMADD213PS Z28, Z31, Z0
	VFMADD231PS Z2, Z30, Z0
	TESTQ R8, R8
	JEQ ap16store
	VADDPS (DI), Z0, Z0
ap16store:
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP ap16
aptail:
	TESTQ CX, CX
	JEQ apdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z2
	VSUBPS Z29, Z2, Z2
	VFMADD213PS Z28, Z31, Z0
	VFMADD231PS Z2, Z30, Z0
	TESTQ R8, R8
	JEQ aptailstore
	VMOVUPS.Z (DI), K1, Z4
	VADDPS Z4, Z0, Z0
aptailstore:
	VMOVUPS Z0, K1, (DI)
apdone:
	VZEROUPPER
	RET

// func reluZ(dst, x *float32, n int)
// Keeps x where !(x <= 0) (VCMPPS predicate 6, true for NaN too) and
// writes +0 elsewhere, so -0 becomes +0 and NaN stays, as Go's max(x, 0).
TEXT ·reluZ(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z31, Z31, Z31
re64:
	CMPQ CX, $64
	JLT re16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VCMPPS $6, Z31, Z0, K2
	VCMPPS $6, Z31, Z1, K3
	VCMPPS $6, Z31, Z2, K4
	VCMPPS $6, Z31, Z3, K5
	VMOVAPS.Z Z0, K2, Z0
	VMOVAPS.Z Z1, K3, Z1
	VMOVAPS.Z Z2, K4, Z2
	VMOVAPS.Z Z3, K5, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JMP re64
re16:
	CMPQ CX, $16
	JLT retail
	VMOVUPS (SI), Z0
	VCMPPS $6, Z31, Z0, K2
	VMOVAPS.Z Z0, K2, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP re16
retail:
	TESTQ CX, CX
	JEQ redone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VCMPPS $6, Z31, Z0, K2
	VMOVAPS.Z Z0, K2, Z0
	VMOVUPS Z0, K1, (DI)
redone:
	VZEROUPPER
	RET

// func reluGradZ(gx, gy, y *float32, n int, add int)
// gy passes where !(y <= 0), as in reluZ; a zeroing masked load drops it
// elsewhere.
TEXT ·reluGradZ(SB), NOSPLIT, $0-40
	MOVQ gx+0(FP), DI
	MOVQ gy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ add+32(FP), R8
	VPXORD Z31, Z31, Z31
rg32:
	CMPQ CX, $32
	JLT rg16
	VMOVUPS (DX), Z2
	VMOVUPS 64(DX), Z3
	VCMPPS $6, Z31, Z2, K2
	VCMPPS $6, Z31, Z3, K3
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	TESTQ R8, R8
	JEQ rg32store
	VADDPS (DI), Z0, Z0
	VADDPS 64(DI), Z1, Z1
rg32store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP rg32
rg16:
	CMPQ CX, $16
	JLT rgtail
	VMOVUPS (DX), Z2
	VCMPPS $6, Z31, Z2, K2
	VMOVUPS.Z (SI), K2, Z0
	TESTQ R8, R8
	JEQ rg16store
	VADDPS (DI), Z0, Z0
rg16store:
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP rg16
rgtail:
	TESTQ CX, CX
	JEQ rgdone
	TAILMASK
	VMOVUPS.Z (DX), K1, Z2
	VCMPPS $6, Z31, Z2, K1, K2 // only lanes below n
	VMOVUPS.Z (SI), K2, Z0
	TESTQ R8, R8
	JEQ rgtailstore
	VMOVUPS.Z (DI), K1, Z4
	VADDPS Z4, Z0, Z0
rgtailstore:
	VMOVUPS Z0, K1, (DI)
rgdone:
	VZEROUPPER
	RET
