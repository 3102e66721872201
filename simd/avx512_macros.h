// Macros shared by the AVX-512 assembly files of this package.

// TAILMASK sets K1 to the low CX lanes (1 <= CX <= 15); clobbers AX.
#define TAILMASK MOVQ $1, AX; SHLQ CX, AX; DECQ AX; KMOVW AX, K1

// HSUM adds the 16 lanes of Z0 into X0's low lane; clobbers Y1.
#define HSUM VEXTRACTF32X8 $1, Z0, Y1; VADDPS Y1, Y0, Y0; VEXTRACTF128 $1, Y0, X1; VADDPS X1, X0, X0; VPERMILPS $0x4e, X0, X1; VADDPS X1, X0, X0; VPERMILPS $0xb1, X0, X1; VADDPS X1, X0, X0
