//go:build amd64 && !purego

#include "textflag.h"

// AVX-512 layer norm row kernels (rows_layernorm.go), the algorithms of
// rows_layernorm_generic.go: a corrected two-pass mean and variance, then
// normalise with gamma and beta; the backward pass recomputes xhat in both
// of its sweeps rather than storing it. 16 lanes per step; the last n%16
// elements go through lane mask K1, so nothing is read or written past n.
// Scalars use VEX encodings only (no SSE/AVX transition stalls).

// LNMASK sets R10 = n rounded down to 16, CX = n%16 and K1 = the low CX lanes.
#define LNMASK(n) MOVQ n, R10; ANDQ $-16, R10; MOVQ n, CX; ANDQ $15, CX; MOVQ $1, AX; SHLQ CX, AX; DECQ AX; KMOVW AX, K1

// LNHSUM(z, y, x) leaves the sum of z's 16 lanes in the low lane of x (its
// xmm view); clobbers X7/Y7.
#define LNHSUM(z, y, x) VEXTRACTF32X8 $1, z, Y7; VADDPS Y7, y, y; VEXTRACTF128 $1, y, X7; VADDPS X7, x, x; VPERMILPS $0x4e, x, X7; VADDPS X7, x, x; VPERMILPS $0xb1, x, X7; VADDPS X7, x, x

// func layerNormZ(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32)
//
// Registers: SI x, DI dst, R8 gamma, R9 beta, BX n, AX element index;
// X15 = 1/n, Z8 = m0 (first-pass mean), Z9 = c (mean correction), Z10 = rstd.
TEXT ·layerNormZ(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gamma+16(FP), R8
	MOVQ beta+24(FP), R9
	MOVQ n+32(FP), BX
	LNMASK(BX)

	// pass 1: Σx in four accumulators, m0 = Σx·(1/n)
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ AX, AX
sum64:
	LEAQ 64(AX), DX
	CMPQ DX, R10
	JGT  sum16
	VADDPS (SI)(AX*4), Z0, Z0
	VADDPS 64(SI)(AX*4), Z1, Z1
	VADDPS 128(SI)(AX*4), Z2, Z2
	VADDPS 192(SI)(AX*4), Z3, Z3
	MOVQ DX, AX
	JMP  sum64
sum16:
	CMPQ AX, R10
	JGE  sumtail
	VADDPS (SI)(AX*4), Z0, Z0
	ADDQ $16, AX
	JMP  sum16
sumtail:
	TESTQ CX, CX
	JEQ   sumdone
	VMOVUPS.Z (SI)(AX*4), K1, Z4
	VADDPS Z4, Z1, Z1
sumdone:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	LNHSUM(Z0, Y0, X0)
	MOVL $0x3f800000, DX // 1.0
	VMOVD DX, X14
	VCVTSI2SSQ BX, X15, X15
	VDIVSS X15, X14, X15 // 1/n, rounded as Go's 1/float32(n)
	VMULSS X15, X0, X0
	VBROADCASTSS X0, Z8

	// pass 2: d = x - m0; Σd and Σd² in two accumulator pairs
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ AX, AX
dev32:
	LEAQ 32(AX), DX
	CMPQ DX, R10
	JGT  dev16
	VMOVUPS (SI)(AX*4), Z4
	VMOVUPS 64(SI)(AX*4), Z5
	VSUBPS Z8, Z4, Z4
	VSUBPS Z8, Z5, Z5
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z2, Z2
	VFMADD231PS Z4, Z4, Z1
	VFMADD231PS Z5, Z5, Z3
	MOVQ DX, AX
	JMP  dev32
dev16:
	CMPQ AX, R10
	JGE  devtail
	VMOVUPS (SI)(AX*4), Z4
	VSUBPS Z8, Z4, Z4
	VADDPS Z4, Z0, Z0
	VFMADD231PS Z4, Z4, Z1
	ADDQ $16, AX
	JMP  dev16
devtail:
	TESTQ CX, CX
	JEQ   devdone
	VMOVUPS.Z (SI)(AX*4), K1, Z4
	VSUBPS.Z Z8, Z4, K1, Z4 // masked lanes stay 0, not -m0
	VADDPS Z4, Z2, Z2
	VFMADD231PS Z4, Z4, Z3
devdone:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	LNHSUM(Z0, Y0, X0)
	LNHSUM(Z1, Y1, X1)
	VMULSS X15, X0, X0 // c = Σd/n
	VMULSS X15, X1, X1 // Σd²/n
	VFNMADD231SS X0, X0, X1 // var = Σd²/n - c²
	VXORPS X2, X2, X2
	VMAXSS X1, X2, X1 // max(var, 0), NaN kept (VMAXSS returns its second source on NaN)
	VADDSS eps+40(FP), X1, X1
	VCVTSS2SD X1, X1, X1
	VSQRTSD X1, X1, X1
	VCVTSS2SD X14, X14, X14
	VDIVSD X1, X14, X1 // 1/sqrt(var+eps) in float64, as the Go path
	VCVTSD2SS X1, X1, X1
	VMOVSS X1, rstd+52(FP)
	VBROADCASTSS X0, Z9
	VBROADCASTSS X1, Z10
	VADDSS X0, X8, X0 // mean = m0 + c
	VMOVSS X0, mean+48(FP)

	// pass 3: dst = ((x - m0) - c)·rstd·gamma + beta
	XORQ AX, AX
norm32:
	LEAQ 32(AX), DX
	CMPQ DX, R10
	JGT  norm16
	VMOVUPS (SI)(AX*4), Z4
	VMOVUPS 64(SI)(AX*4), Z5
	VSUBPS Z8, Z4, Z4
	VSUBPS Z8, Z5, Z5
	VSUBPS Z9, Z4, Z4
	VSUBPS Z9, Z5, Z5
	VMULPS Z10, Z4, Z4
	VMULPS Z10, Z5, Z5
	VMULPS (R8)(AX*4), Z4, Z4
	VMULPS 64(R8)(AX*4), Z5, Z5
	VADDPS (R9)(AX*4), Z4, Z4
	VADDPS 64(R9)(AX*4), Z5, Z5
	VMOVUPS Z4, (DI)(AX*4)
	VMOVUPS Z5, 64(DI)(AX*4)
	MOVQ DX, AX
	JMP  norm32
norm16:
	CMPQ AX, R10
	JGE  normtail
	VMOVUPS (SI)(AX*4), Z4
	VSUBPS Z8, Z4, Z4
	VSUBPS Z9, Z4, Z4
	VMULPS Z10, Z4, Z4
	VMULPS (R8)(AX*4), Z4, Z4
	VADDPS (R9)(AX*4), Z4, Z4
	VMOVUPS Z4, (DI)(AX*4)
	ADDQ $16, AX
	JMP  norm16
normtail:
	TESTQ CX, CX
	JEQ   normdone
	VMOVUPS.Z (SI)(AX*4), K1, Z4
	VMOVUPS.Z (R8)(AX*4), K1, Z5
	VMOVUPS.Z (R9)(AX*4), K1, Z6
	VSUBPS Z8, Z4, Z4
	VSUBPS Z9, Z4, Z4
	VMULPS Z10, Z4, Z4
	VMULPS Z5, Z4, Z4
	VADDPS Z6, Z4, Z4
	VMOVUPS Z4, K1, (DI)(AX*4)
normdone:
	VZEROUPPER
	RET

// LNBACK1(off, sg, sgx) is one 16-lane step of the backward first sweep at
// element AX + off/4: xhat = (x - mean)·rstd, g = dy·gamma, sg += g,
// sgx += g·xhat, dgamma += dy·xhat, dbeta += dy.
#define LNBACK1(off, sg, sgx) VMOVUPS off(R13)(AX*4), Z4; VMOVUPS off(SI)(AX*4), Z5; VSUBPS Z8, Z5, Z5; VMULPS Z10, Z5, Z5; VMULPS off(R8)(AX*4), Z4, Z6; VADDPS Z6, sg, sg; VFMADD231PS Z5, Z6, sgx; VMOVUPS off(R11)(AX*4), Z7; VFMADD231PS Z5, Z4, Z7; VMOVUPS Z7, off(R11)(AX*4); VADDPS off(R12)(AX*4), Z4, Z7; VMOVUPS Z7, off(R12)(AX*4)

// LNBACK2(off) is one 16-lane step of the second sweep:
// dx = rstd·(dy·gamma - mg - xhat·mgx).
#define LNBACK2(off) VMOVUPS off(SI)(AX*4), Z5; VSUBPS Z8, Z5, Z5; VMULPS Z10, Z5, Z5; VMOVUPS off(R13)(AX*4), Z4; VMULPS off(R8)(AX*4), Z4, Z4; VSUBPS Z11, Z4, Z4; VFNMADD231PS Z12, Z5, Z4; VMULPS Z10, Z4, Z4; VMOVUPS Z4, off(DI)(AX*4)

// func layerNormBackwardZ(dx, dgamma, dbeta, dy, x, gamma *float32, n int, mean, rstd float32)
//
// Registers: DI dx, R11 dgamma, R12 dbeta, R13 dy, SI x, R8 gamma, BX n,
// AX element index; Z8 = mean, Z10 = rstd, Z11 = mean(g), Z12 = mean(g·xhat).
TEXT ·layerNormBackwardZ(SB), NOSPLIT, $0-64
	MOVQ dx+0(FP), DI
	MOVQ dgamma+8(FP), R11
	MOVQ dbeta+16(FP), R12
	MOVQ dy+24(FP), R13
	MOVQ x+32(FP), SI
	MOVQ gamma+40(FP), R8
	MOVQ n+48(FP), BX
	VBROADCASTSS mean+56(FP), Z8
	VBROADCASTSS rstd+60(FP), Z10
	LNMASK(BX)

	// sweep 1: Σg and Σg·xhat in two accumulator pairs; dgamma, dbeta
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ AX, AX
back1x32:
	LEAQ 32(AX), DX
	CMPQ DX, R10
	JGT  back1x16
	LNBACK1(0, Z0, Z1)
	LNBACK1(64, Z2, Z3)
	MOVQ DX, AX
	JMP  back1x32
back1x16:
	CMPQ AX, R10
	JGE  back1tail
	LNBACK1(0, Z0, Z1)
	ADDQ $16, AX
	JMP  back1x16
back1tail:
	TESTQ CX, CX
	JEQ   back1done
	VMOVUPS.Z (R13)(AX*4), K1, Z4
	VMOVUPS.Z (SI)(AX*4), K1, Z5
	VMOVUPS.Z (R8)(AX*4), K1, Z6
	VSUBPS.Z Z8, Z5, K1, Z5 // masked lanes stay 0
	VMULPS Z10, Z5, Z5
	VMULPS Z6, Z4, Z6
	VADDPS Z6, Z2, Z2
	VFMADD231PS Z5, Z6, Z3
	VMOVUPS.Z (R11)(AX*4), K1, Z7
	VFMADD231PS Z5, Z4, Z7
	VMOVUPS Z7, K1, (R11)(AX*4)
	VMOVUPS.Z (R12)(AX*4), K1, Z7
	VADDPS Z4, Z7, Z7
	VMOVUPS Z7, K1, (R12)(AX*4)
back1done:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	LNHSUM(Z0, Y0, X0)
	LNHSUM(Z1, Y1, X1)
	VCVTSI2SSQ BX, X15, X15
	VDIVSS X15, X0, X0 // mean(g), divided as the Go path
	VDIVSS X15, X1, X1 // mean(g·xhat)
	VBROADCASTSS X0, Z11
	VBROADCASTSS X1, Z12

	// sweep 2: dx
	XORQ AX, AX
back2x32:
	LEAQ 32(AX), DX
	CMPQ DX, R10
	JGT  back2x16
	LNBACK2(0)
	LNBACK2(64)
	MOVQ DX, AX
	JMP  back2x32
back2x16:
	CMPQ AX, R10
	JGE  back2tail
	LNBACK2(0)
	ADDQ $16, AX
	JMP  back2x16
back2tail:
	TESTQ CX, CX
	JEQ   back2done
	VMOVUPS.Z (SI)(AX*4), K1, Z5
	VSUBPS Z8, Z5, Z5
	VMULPS Z10, Z5, Z5
	VMOVUPS.Z (R13)(AX*4), K1, Z4
	VMOVUPS.Z (R8)(AX*4), K1, Z6
	VMULPS Z6, Z4, Z4
	VSUBPS Z11, Z4, Z4
	VFNMADD231PS Z12, Z5, Z4
	VMULPS Z10, Z4, Z4
	VMOVUPS Z4, K1, (DI)(AX*4)
back2done:
	VZEROUPPER
	RET
