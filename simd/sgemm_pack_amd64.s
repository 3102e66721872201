//go:build amd64 && !purego

#include "textflag.h"

// TRANSPOSE4 transposes the 4×4 block at off(R10) (rows ld = R8 bytes apart,
// R12 = 3·ld) into four 4-float stores at (AX) (stride R9 bytes, R13 =
// 3·stride), then moves AX on by four panel steps.
#define TRANSPOSE4(off) \
	MOVUPS off(R10), X0 \
	MOVUPS off(R10)(R8*1), X1 \
	MOVUPS off(R10)(R8*2), X2 \
	MOVUPS off(R10)(R12*1), X3 \
	MOVAPS X0, X4 \
	UNPCKLPS X1, X4 \
	MOVAPS X0, X5 \
	UNPCKHPS X1, X5 \
	MOVAPS X2, X6 \
	UNPCKLPS X3, X6 \
	MOVAPS X2, X7 \
	UNPCKHPS X3, X7 \
	MOVAPS X4, X0 \
	MOVLHPS X6, X0 \
	MOVAPS X6, X1 \
	MOVHLPS X4, X1 \
	MOVAPS X5, X2 \
	MOVLHPS X7, X2 \
	MOVAPS X7, X3 \
	MOVHLPS X5, X3 \
	MOVUPS X0, (AX) \
	MOVUPS X1, (AX)(R9*1) \
	MOVUPS X2, (AX)(R9*2) \
	MOVUPS X3, (AX)(R13*1) \
	LEAQ (AX)(R9*4), AX

// func transposePack16(dst, src *float32, ld, rows, kc, stride int)
// dst[p*stride+r] = src[r*ld+p] for r < rows, p < kc; rows is a multiple of
// 4 and kc of 16 (both > 0); ld and stride are in elements. Four rows × 16
// steps (one cache line per row) are done at a time, so every source line is
// used whole even when a power-of-two ld maps all rows to one cache set.
// Plain SSE (unpack/movlhps 4×4 transposes): runs at every SIMD level.
TEXT ·transposePack16(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R12
	MOVQ rows+24(FP), CX
	SHRQ $2, CX
	MOVQ kc+32(FP), DX
	SHRQ $4, DX
	MOVQ stride+40(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R13
tpChunk:
	MOVQ SI, R10 // row group 0 at this chunk's first step
	MOVQ DI, R11 // its place in the panel
	MOVQ CX, BX
tpGroup:
	MOVQ R11, AX
	TRANSPOSE4(0)
	TRANSPOSE4(16)
	TRANSPOSE4(32)
	TRANSPOSE4(48)
	LEAQ (R10)(R8*4), R10
	ADDQ $16, R11
	DECQ BX
	JNE tpGroup
	ADDQ $64, SI
	SHLQ $4, R9 // DI += 16 panel steps
	ADDQ R9, DI
	SHRQ $4, R9
	DECQ DX
	JNE tpChunk
	RET

// func copyPanels(dst, src *float32, kc, panels, nr, ld, pstride int)
// dst[q*pstride+p*nr+i] = src[p*ld+q*nr+i] for p < kc, q < panels, i < nr:
// each source row is cut into nr-wide pieces, one per panel. nr is a
// multiple of 4, all counts > 0; ld and pstride are in elements. Plain SSE.
TEXT ·copyPanels(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+16(FP), CX
	MOVQ panels+24(FP), DX
	MOVQ nr+32(FP), R11
	SHLQ $2, R11
	MOVQ ld+40(FP), R9
	SHLQ $2, R9
	MOVQ pstride+48(FP), R10
	SHLQ $2, R10
cpRow:
	MOVQ SI, R12
	MOVQ DI, R13
	MOVQ DX, BX
cpPanel:
	XORQ AX, AX
cpPiece:
	MOVUPS (R12)(AX*1), X0
	MOVUPS X0, (R13)(AX*1)
	ADDQ $16, AX
	CMPQ AX, R11
	JLT cpPiece
	ADDQ R11, R12
	ADDQ R10, R13
	DECQ BX
	JNE cpPanel
	ADDQ R9, SI
	ADDQ R11, DI
	DECQ CX
	JNE cpRow
	RET
