//go:build amd64 && !purego

#include "textflag.h"

// Constants of the exponential: e^x = 2^n · p(r), n = round(x·log2 e),
// r = x - n·ln 2 (ln 2 split in two for exactness), p the degree-7 Taylor
// polynomial of e^r on |r| ≤ ln(2)/2 (truncation error 5e-9, below half a
// float32 ulp). Inputs are clamped to [expLo, expHi]; below expLo (the
// log of the smallest normal float32) the result is 0, and NaN stays NaN.

DATA expLo<>+0(SB)/4, $-87.33654
GLOBL expLo<>(SB), RODATA|NOPTR, $4
DATA expHi<>+0(SB)/4, $88.37626
GLOBL expHi<>(SB), RODATA|NOPTR, $4
DATA log2e<>+0(SB)/4, $1.44269504
GLOBL log2e<>(SB), RODATA|NOPTR, $4
DATA ln2hi<>+0(SB)/4, $0.693359375
GLOBL ln2hi<>(SB), RODATA|NOPTR, $4
DATA ln2lo<>+0(SB)/4, $-2.12194440e-4
GLOBL ln2lo<>(SB), RODATA|NOPTR, $4
DATA c0<>+0(SB)/4, $1.0
GLOBL c0<>(SB), RODATA|NOPTR, $4
DATA c2<>+0(SB)/4, $0.5
GLOBL c2<>(SB), RODATA|NOPTR, $4
DATA c3<>+0(SB)/4, $0.16666666666666666
GLOBL c3<>(SB), RODATA|NOPTR, $4
DATA c4<>+0(SB)/4, $0.041666666666666664
GLOBL c4<>(SB), RODATA|NOPTR, $4
DATA c5<>+0(SB)/4, $0.008333333333333333
GLOBL c5<>(SB), RODATA|NOPTR, $4
DATA c6<>+0(SB)/4, $0.001388888888888889
GLOBL c6<>(SB), RODATA|NOPTR, $4
DATA c7<>+0(SB)/4, $1.984126984126984e-4
GLOBL c7<>(SB), RODATA|NOPTR, $4
DATA ninf<>+0(SB)/4, $0xff800000
GLOBL ninf<>(SB), RODATA|NOPTR, $4
DATA qnan<>+0(SB)/4, $0x7fc00000
GLOBL qnan<>(SB), RODATA|NOPTR, $4
DATA bias127<>+0(SB)/4, $127
GLOBL bias127<>(SB), RODATA|NOPTR, $4

// tailMask sets K1 to the low CX bits (CX < 16).
#define TAILMASK \
	MOVL  $1, AX \
	SHLL  CX, AX \
	DECL  AX     \
	KMOVW AX, K1

// func maxAVX512(x *float32, n int) float32
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS ninf<>(SB), Z1
	VMOVAPS      Z1, Z2
	VMOVAPS      Z1, Z3
	VMOVAPS      Z1, Z4
	KXORW        K3, K3, K3

max512loop64:
	CMPQ    CX, $64
	JL      max512loop16
	VMOVUPS (SI), Z5
	VMOVUPS 64(SI), Z6
	VMOVUPS 128(SI), Z7
	VMOVUPS 192(SI), Z8
	VCMPPS  $3, Z5, Z5, K2
	KORW    K2, K3, K3
	VCMPPS  $3, Z6, Z6, K2
	KORW    K2, K3, K3
	VCMPPS  $3, Z7, Z7, K2
	KORW    K2, K3, K3
	VCMPPS  $3, Z8, Z8, K2
	KORW    K2, K3, K3
	VMAXPS  Z5, Z1, Z1
	VMAXPS  Z6, Z2, Z2
	VMAXPS  Z7, Z3, Z3
	VMAXPS  Z8, Z4, Z4
	ADDQ    $256, SI
	SUBQ    $64, CX
	JMP     max512loop64

max512loop16:
	CMPQ    CX, $16
	JL      max512tail
	VMOVUPS (SI), Z5
	VCMPPS  $3, Z5, Z5, K2
	KORW    K2, K3, K3
	VMAXPS  Z5, Z1, Z1
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     max512loop16

max512tail:
	TESTQ        CX, CX
	JZ           max512reduce
	TAILMASK
	VBROADCASTSS ninf<>(SB), Z5
	VMOVUPS      (SI), K1, Z5
	VCMPPS       $3, Z5, Z5, K2
	KORW         K2, K3, K3
	VMAXPS       Z5, Z1, Z1

max512reduce:
	VMAXPS        Z2, Z1, Z1
	VMAXPS        Z4, Z3, Z3
	VMAXPS        Z3, Z1, Z1
	VEXTRACTF64X4 $1, Z1, Y2
	VMAXPS        Y2, Y1, Y1
	VEXTRACTF128  $1, Y1, X2
	VMAXPS        X2, X1, X1
	VPERMILPS     $0x4e, X1, X2
	VMAXPS        X2, X1, X1
	VPERMILPS     $0xb1, X1, X2
	VMAXPS        X2, X1, X1
	KORTESTW      K3, K3
	JZ            max512done
	MOVSS         qnan<>(SB), X1

max512done:
	VZEROUPPER
	MOVSS X1, ret+16(FP)
	RET

// EXP512 computes Z20 = e^(Z0 - Z15) with the constants in Z2..Z14 and
// Z10, Z11 (see expSubSumAVX512), using Z17..Z20 and K2, K3.
#define EXP512 \
	VSUBPS       Z15, Z0, Z0    \
	VCMPPS       $0x11, Z14, Z0, K2 \
	VMAXPS       Z0, Z14, Z17   \
	VMINPS       Z17, Z13, Z17  \
	VMULPS       Z12, Z17, Z18  \
	VRNDSCALEPS  $0, Z18, Z18   \
	VMOVAPS      Z17, Z19       \
	VFNMADD231PS Z11, Z18, Z19  \
	VFNMADD231PS Z10, Z18, Z19  \
	VMOVAPS      Z9, Z20        \
	VFMADD213PS  Z8, Z19, Z20   \
	VFMADD213PS  Z7, Z19, Z20   \
	VFMADD213PS  Z6, Z19, Z20   \
	VFMADD213PS  Z5, Z19, Z20   \
	VFMADD213PS  Z4, Z19, Z20   \
	VFMADD213PS  Z2, Z19, Z20   \
	VFMADD213PS  Z2, Z19, Z20   \
	VSCALEFPS    Z18, Z20, Z20  \
	KNOTW        K2, K3         \
	VMOVAPS.Z    Z20, K3, Z20

// func expSubSumAVX512(dst, x *float32, n int, m float32) float32
TEXT ·expSubSumAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Z15
	VBROADCASTSS expLo<>(SB), Z14
	VBROADCASTSS expHi<>(SB), Z13
	VBROADCASTSS log2e<>(SB), Z12
	VBROADCASTSS ln2hi<>(SB), Z11
	VBROADCASTSS ln2lo<>(SB), Z10
	VBROADCASTSS c7<>(SB), Z9
	VBROADCASTSS c6<>(SB), Z8
	VBROADCASTSS c5<>(SB), Z7
	VBROADCASTSS c4<>(SB), Z6
	VBROADCASTSS c3<>(SB), Z5
	VBROADCASTSS c2<>(SB), Z4
	VBROADCASTSS c0<>(SB), Z2
	VXORPS       Z1, Z1, Z1

exp512loop:
	CMPQ    CX, $16
	JL      exp512tail
	VMOVUPS (SI), Z0
	EXP512
	VMOVUPS Z20, (DI)
	VADDPS  Z20, Z1, Z1
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     exp512loop

exp512tail:
	TESTQ     CX, CX
	JZ        exp512reduce
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	EXP512
	VMOVUPS   Z20, K1, (DI)
	VADDPS    Z20, Z1, K1, Z1

exp512reduce:
	VEXTRACTF64X4 $1, Z1, Y2
	VADDPS        Y2, Y1, Y1
	VEXTRACTF128  $1, Y1, X2
	VADDPS        X2, X1, X1
	VPERMILPS     $0x4e, X1, X2
	VADDPS        X2, X1, X1
	VPERMILPS     $0xb1, X1, X2
	VADDPS        X2, X1, X1
	VZEROUPPER
	MOVSS         X1, ret+32(FP)
	RET

// func softmaxGradAVX512(dp, p *float32, n int, d float32)
TEXT ·softmaxGradAVX512(SB), NOSPLIT, $0-28
	MOVQ         dp+0(FP), DI
	MOVQ         p+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS d+24(FP), Z1

sg512loop32:
	CMPQ    CX, $32
	JL      sg512loop16
	VMOVUPS (DI), Z0
	VMOVUPS 64(DI), Z2
	VSUBPS  Z1, Z0, Z0
	VSUBPS  Z1, Z2, Z2
	VMULPS  (SI), Z0, Z0
	VMULPS  64(SI), Z2, Z2
	VMOVUPS Z0, (DI)
	VMOVUPS Z2, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     sg512loop32

sg512loop16:
	CMPQ    CX, $16
	JL      sg512tail
	VMOVUPS (DI), Z0
	VSUBPS  Z1, Z0, Z0
	VMULPS  (SI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     sg512loop16

sg512tail:
	TESTQ     CX, CX
	JZ        sg512done
	TAILMASK
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z2
	VSUBPS    Z1, Z0, Z0
	VMULPS    Z2, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

sg512done:
	VZEROUPPER
	RET

// The AVX2 kernels process whole vectors of 8; the Go side does the tail.

// func maxAVX2(x *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS ninf<>(SB), Y1
	VMOVAPS      Y1, Y2
	VXORPS       Y3, Y3, Y3

max2loop16:
	CMPQ    CX, $16
	JL      max2loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VCMPPS  $3, Y4, Y4, Y6
	VORPS   Y6, Y3, Y3
	VCMPPS  $3, Y5, Y5, Y6
	VORPS   Y6, Y3, Y3
	VMAXPS  Y4, Y1, Y1
	VMAXPS  Y5, Y2, Y2
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     max2loop16

max2loop8:
	CMPQ    CX, $8
	JL      max2reduce
	VMOVUPS (SI), Y4
	VCMPPS  $3, Y4, Y4, Y6
	VORPS   Y6, Y3, Y3
	VMAXPS  Y4, Y1, Y1
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     max2loop8

max2reduce:
	VMAXPS       Y2, Y1, Y1
	VEXTRACTF128 $1, Y1, X2
	VMAXPS       X2, X1, X1
	VPERMILPS    $0x4e, X1, X2
	VMAXPS       X2, X1, X1
	VPERMILPS    $0xb1, X1, X2
	VMAXPS       X2, X1, X1
	VMOVMSKPS    Y3, AX
	TESTL        AX, AX
	JZ           max2done
	MOVSS        qnan<>(SB), X1

max2done:
	VZEROUPPER
	MOVSS X1, ret+16(FP)
	RET

// func expSubSumAVX2(dst, x *float32, n int, m float32) float32
TEXT ·expSubSumAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Y15
	VBROADCASTSS expLo<>(SB), Y14
	VBROADCASTSS expHi<>(SB), Y13
	VBROADCASTSS log2e<>(SB), Y12
	VBROADCASTSS ln2hi<>(SB), Y11
	VBROADCASTSS ln2lo<>(SB), Y10
	VBROADCASTSS c7<>(SB), Y9
	VBROADCASTSS c6<>(SB), Y8
	VBROADCASTSS c5<>(SB), Y7
	VBROADCASTSS c4<>(SB), Y6
	VBROADCASTSS c3<>(SB), Y5
	VBROADCASTSS c2<>(SB), Y4
	VXORPS       Y1, Y1, Y1

exp2loop:
	CMPQ         CX, $8
	JL           exp2done
	VMOVUPS      (SI), Y0
	VSUBPS       Y15, Y0, Y0
	VCMPPS       $5, Y14, Y0, Y3
	VMAXPS       Y0, Y14, Y0
	VMINPS       Y0, Y13, Y0
	VMULPS       Y12, Y0, Y2
	VROUNDPS     $0, Y2, Y2
	VFNMADD231PS Y11, Y2, Y0
	VFNMADD231PS Y10, Y2, Y0
	VMOVAPS      Y9, Y15
	VFMADD213PS  Y8, Y0, Y15
	VFMADD213PS  Y7, Y0, Y15
	VFMADD213PS  Y6, Y0, Y15
	VFMADD213PS  Y5, Y0, Y15
	VFMADD213PS  Y4, Y0, Y15
	VBROADCASTSS c0<>(SB), Y13
	VFMADD213PS  Y13, Y0, Y15
	VFMADD213PS  Y13, Y0, Y15
	VCVTPS2DQ    Y2, Y2
	VPBROADCASTD bias127<>(SB), Y13
	VPADDD       Y13, Y2, Y2
	VPSLLD       $23, Y2, Y2
	VMULPS       Y2, Y15, Y15
	VANDPS       Y3, Y15, Y15
	VMOVUPS      Y15, (DI)
	VADDPS       Y15, Y1, Y1
	VBROADCASTSS m+24(FP), Y15
	VBROADCASTSS expHi<>(SB), Y13
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          exp2loop

exp2done:
	VEXTRACTF128 $1, Y1, X2
	VADDPS       X2, X1, X1
	VPERMILPS    $0x4e, X1, X2
	VADDPS       X2, X1, X1
	VPERMILPS    $0xb1, X1, X2
	VADDPS       X2, X1, X1
	VZEROUPPER
	MOVSS        X1, ret+32(FP)
	RET

// func softmaxGradAVX2(dp, p *float32, n int, d float32)
TEXT ·softmaxGradAVX2(SB), NOSPLIT, $0-28
	MOVQ         dp+0(FP), DI
	MOVQ         p+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS d+24(FP), Y1

sg2loop:
	CMPQ    CX, $8
	JL      sg2done
	VMOVUPS (DI), Y0
	VSUBPS  Y1, Y0, Y0
	VMULPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sg2loop

sg2done:
	VZEROUPPER
	RET

// func scaleAVX512(x *float32, n int, a float32)
TEXT ·scaleAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Z1

sc512loop:
	CMPQ    CX, $16
	JL      sc512tail
	VMULPS  (DI), Z1, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     sc512loop

sc512tail:
	TESTQ     CX, CX
	JZ        sc512done
	TAILMASK
	VMOVUPS.Z (DI), K1, Z0
	VMULPS    Z1, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

sc512done:
	VZEROUPPER
	RET

// func scaleAVX2(x *float32, n int, a float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Y1

sc2loop:
	CMPQ    CX, $8
	JL      sc2done
	VMULPS  (DI), Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sc2loop

sc2done:
	VZEROUPPER
	RET
