//go:build amd64 && !purego

#include "textflag.h"

// AMX-BF16 tile kernel, tested against the Go reference on an AMX machine
// (Intel Xeon, family 6 model 207) and, where there is no AMX, through
// amxTileGo, which reads the same packing. Go's assembler has no AMX mnemonics, so each
// instruction is bytes with the instruction in a comment (AT&T-free, Go
// operand order: sources first). Tile configuration, loads, compute, stores
// and release all happen inside this one call, because a goroutine may move
// to another OS thread between calls and tile state is per thread.
//
// Tiles: TMM0-3 accumulate C (16×16 fp32 each) for rows 0-15/16-31 ×
// columns 0-15/16-31; TMM4/5 hold A rows 0-15/16-31 (16 rows × 16 pair
// words); TMM6/7 hold B columns 0-15/16-31 (16 pair rows × 16 words).

// func amxKernelBF16(cfg *[64]byte, steps int, a, b *uint32, c *float32, ldcBytes int, accumulate bool)
// Computes a 32×32 block of C (row stride ldcBytes) from steps·16 pair
// steps of Ap and Bp: with accumulate the C block is loaded into the
// accumulators first, so the result is C + Ap·Bp; without it C is
// overwritten with Ap·Bp.
TEXT ·amxKernelBF16(SB), NOSPLIT, $0-49
	MOVQ cfg+0(FP), AX
	MOVQ steps+8(FP), CX
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DI
	MOVQ ldcBytes+40(FP), R9
	BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x00 // LDTILECFG (AX)
	MOVBLZX accumulate+48(FP), R8
	TESTQ R8, R8
	JEQ zero
	MOVQ c+32(FP), AX
	MOVQ R9, DX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x04; BYTE $0x10 // TILELOADD (AX)(DX*1), TMM0
	ADDQ $64, AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x0c; BYTE $0x10 // TILELOADD (AX)(DX*1), TMM1
	MOVQ c+32(FP), AX
	SHLQ $4, DX
	ADDQ DX, AX // row 16
	MOVQ R9, DX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x14; BYTE $0x10 // TILELOADD (AX)(DX*1), TMM2
	ADDQ $64, AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x1c; BYTE $0x10 // TILELOADD (AX)(DX*1), TMM3
	JMP compute
zero:
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xc0 // TILEZERO TMM0
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xc8 // TILEZERO TMM1
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd0 // TILEZERO TMM2
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd8 // TILEZERO TMM3
compute:
	MOVQ $64, BX  // A tile row stride: 16 pair words
	MOVQ $128, DX // B row stride: 32 words
	TESTQ CX, CX
	JEQ storec
loopc:
	// Loads interleave with the products that need them: tiles are not
	// renamed, so each load waits for the last product reading its tile.
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x24; BYTE $0x1e // TILELOADD (SI)(BX*1), TMM4
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x34; BYTE $0x17 // TILELOADD (DI)(DX*1), TMM6
	BYTE $0xc4; BYTE $0xe2; BYTE $0x4a; BYTE $0x5c; BYTE $0xc4 // TDPBF16PS TMM6, TMM4, TMM0
	LEAQ 64(DI), AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x3c; BYTE $0x10 // TILELOADD (AX)(DX*1), TMM7
	BYTE $0xc4; BYTE $0xe2; BYTE $0x42; BYTE $0x5c; BYTE $0xcc // TDPBF16PS TMM7, TMM4, TMM1
	LEAQ 1024(SI), AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x2c; BYTE $0x18 // TILELOADD (AX)(BX*1), TMM5
	BYTE $0xc4; BYTE $0xe2; BYTE $0x4a; BYTE $0x5c; BYTE $0xd5 // TDPBF16PS TMM6, TMM5, TMM2
	BYTE $0xc4; BYTE $0xe2; BYTE $0x42; BYTE $0x5c; BYTE $0xdd // TDPBF16PS TMM7, TMM5, TMM3
	ADDQ $2048, SI
	ADDQ $2048, DI
	DECQ CX
	JNE loopc
storec:
	MOVQ c+32(FP), AX
	MOVQ R9, DX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x04; BYTE $0x10 // TILESTORED TMM0, (AX)(DX*1)
	ADDQ $64, AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x0c; BYTE $0x10 // TILESTORED TMM1, (AX)(DX*1)
	MOVQ c+32(FP), AX
	SHLQ $4, DX
	ADDQ DX, AX
	MOVQ R9, DX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x14; BYTE $0x10 // TILESTORED TMM2, (AX)(DX*1)
	ADDQ $64, AX
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x1c; BYTE $0x10 // TILESTORED TMM3, (AX)(DX*1)
	BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0xc0 // TILERELEASE
	RET
