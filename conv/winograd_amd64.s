//go:build amd64 && !purego

#include "textflag.h"

// Winograd F(4x4,3x3) lane transforms (see winograd_lanes.go for the
// Go forms and winograd_transform.go for the matrices). A lane vector
// is 32 floats = two ZMM halves; strides arrive in lane vectors (×128
// bytes). Inputs and outputs never overlap.

// func WinoBtZ(d *float32, s int, o *float32, so int)
// o = Bᵀ·d: 6 vectors in, 6 out.
TEXT ·WinoBtZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), SI
	MOVQ s+8(FP), BX
	MOVQ o+16(FP), DI
	MOVQ so+24(FP), DX
	SHLQ $7, BX
	SHLQ $7, DX
	LEAQ (SI)(BX*2), R8
	ADDQ BX, R8 // d[3s]
	LEAQ (DI)(DX*2), R9
	ADDQ DX, R9 // o[3so]
	MOVL $0x40800000, AX
	VPBROADCASTD AX, Z28 // 4
	MOVL $0x40A00000, AX
	VPBROADCASTD AX, Z29 // 5
	MOVL $0x40000000, AX
	VPBROADCASTD AX, Z30 // 2
	MOVQ $2, CX

btloop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(BX*1), Z1
	VMOVUPS (SI)(BX*2), Z2
	VMOVUPS (R8), Z3
	VMOVUPS (R8)(BX*1), Z4
	VMOVUPS (R8)(BX*2), Z5

	// o0 = d4 + 4·d0 - 5·d2
	VMOVAPS      Z4, Z10
	VFMADD231PS  Z28, Z0, Z10
	VFNMADD231PS Z29, Z2, Z10

	// o1 = d3 + d4 - 4·(d1+d2)
	VADDPS       Z3, Z4, Z11
	VADDPS       Z1, Z2, Z12
	VFNMADD231PS Z28, Z12, Z11

	// o2 = d4 - d3 + 4·(d1-d2)
	VSUBPS      Z3, Z4, Z13
	VSUBPS      Z2, Z1, Z14
	VFMADD231PS Z28, Z14, Z13

	// o3 = d4 - d2 + 2·(d3-d1), o4 = d4 - d2 - 2·(d3-d1)
	VSUBPS       Z2, Z4, Z15
	VSUBPS       Z1, Z3, Z16
	VMOVAPS      Z15, Z17
	VFMADD231PS  Z30, Z16, Z17
	VFNMADD231PS Z30, Z16, Z15

	// o5 = d5 + 4·d1 - 5·d3
	VMOVAPS      Z5, Z18
	VFMADD231PS  Z28, Z1, Z18
	VFNMADD231PS Z29, Z3, Z18

	VMOVUPS Z10, (DI)
	VMOVUPS Z11, (DI)(DX*1)
	VMOVUPS Z13, (DI)(DX*2)
	VMOVUPS Z17, (R9)
	VMOVUPS Z15, (R9)(DX*1)
	VMOVUPS Z18, (R9)(DX*2)

	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, DI
	ADDQ $64, R9
	DECQ CX
	JNZ  btloop
	VZEROUPPER
	RET

// func WinoAtZ(m *float32, s int, o *float32, so int)
// o = Aᵀ·m: 6 vectors in, 4 out.
TEXT ·WinoAtZ(SB), NOSPLIT, $0-32
	MOVQ m+0(FP), SI
	MOVQ s+8(FP), BX
	MOVQ o+16(FP), DI
	MOVQ so+24(FP), DX
	SHLQ $7, BX
	SHLQ $7, DX
	LEAQ (SI)(BX*2), R8
	ADDQ BX, R8 // m[3s]
	LEAQ (DI)(DX*2), R9
	ADDQ DX, R9 // o[3so]
	MOVL $0x40800000, AX
	VPBROADCASTD AX, Z28 // 4
	MOVL $0x40000000, AX
	VPBROADCASTD AX, Z30 // 2
	MOVL $0x41000000, AX
	VPBROADCASTD AX, Z27 // 8
	MOVQ $2, CX

atloop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(BX*1), Z1
	VMOVUPS (SI)(BX*2), Z2
	VMOVUPS (R8), Z3
	VMOVUPS (R8)(BX*1), Z4
	VMOVUPS (R8)(BX*2), Z5

	VADDPS Z2, Z1, Z6 // p = m1+m2
	VSUBPS Z2, Z1, Z7 // q = m1-m2
	VADDPS Z4, Z3, Z8 // r = m3+m4
	VSUBPS Z4, Z3, Z9 // u = m3-m4

	// o0 = m0 + p + r
	VADDPS Z6, Z0, Z10
	VADDPS Z8, Z10, Z10

	// o1 = q + 2u
	VMOVAPS     Z7, Z11
	VFMADD231PS Z30, Z9, Z11

	// o2 = p + 4r
	VMOVAPS     Z6, Z12
	VFMADD231PS Z28, Z8, Z12

	// o3 = q + 8u + m5
	VADDPS      Z7, Z5, Z13
	VFMADD231PS Z27, Z9, Z13

	VMOVUPS Z10, (DI)
	VMOVUPS Z11, (DI)(DX*1)
	VMOVUPS Z12, (DI)(DX*2)
	VMOVUPS Z13, (R9)

	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, DI
	ADDQ $64, R9
	DECQ CX
	JNZ  atloop
	VZEROUPPER
	RET

// func WinoA1Z(e *float32, s int, o *float32, so int)
// o = A·e: 4 vectors in, 6 out.
TEXT ·WinoA1Z(SB), NOSPLIT, $0-32
	MOVQ e+0(FP), SI
	MOVQ s+8(FP), BX
	MOVQ o+16(FP), DI
	MOVQ so+24(FP), DX
	SHLQ $7, BX
	SHLQ $7, DX
	LEAQ (SI)(BX*2), R8
	ADDQ BX, R8 // e[3s]
	LEAQ (DI)(DX*2), R9
	ADDQ DX, R9 // o[3so]
	MOVL $0x40800000, AX
	VPBROADCASTD AX, Z28 // 4
	MOVL $0x40000000, AX
	VPBROADCASTD AX, Z30 // 2
	MOVL $0x41000000, AX
	VPBROADCASTD AX, Z27 // 8
	MOVQ $2, CX

a1loop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(BX*1), Z1
	VMOVUPS (SI)(BX*2), Z2
	VMOVUPS (R8), Z3

	VADDPS      Z2, Z0, Z6    // p = e0+e2
	VADDPS      Z3, Z1, Z7    // q = e1+e3
	VMOVAPS     Z0, Z8
	VFMADD231PS Z28, Z2, Z8   // r = e0 + 4·e2
	VMULPS      Z30, Z1, Z9
	VFMADD231PS Z27, Z3, Z9   // u = 2·e1 + 8·e3

	VADDPS Z7, Z6, Z11 // p+q
	VSUBPS Z7, Z6, Z12 // p-q
	VADDPS Z9, Z8, Z13 // r+u
	VSUBPS Z9, Z8, Z14 // r-u

	VMOVUPS Z0, (DI)
	VMOVUPS Z11, (DI)(DX*1)
	VMOVUPS Z12, (DI)(DX*2)
	VMOVUPS Z13, (R9)
	VMOVUPS Z14, (R9)(DX*1)
	VMOVUPS Z3, (R9)(DX*2)

	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, DI
	ADDQ $64, R9
	DECQ CX
	JNZ  a1loop
	VZEROUPPER
	RET
