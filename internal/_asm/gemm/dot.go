package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The few-row kernels (package gemm, small.go) compute a block of
// C = alpha·A·Bᵀ + beta·C with A's rows and B's rows read in place, each
// element of C a dot product of two contiguous rows:
//
//	func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)
//
// covers rows i < MR of A (a + i·lda) and rows j < NR of B (b + j·ldb).
// Every kernel, whatever its MR×NR, computes each element of C by the same
// arithmetic, so that a row's result never depends on the block it falls
// in:
//
//   - lane l of a W-lane accumulator takes the fused products of the
//     elements p ≡ l (mod W) in increasing p; the last k mod W elements
//     are loaded masked (zeros elsewhere);
//   - the lanes are summed by halving, lane l with lane l + W/2, down to
//     one;
//   - the sum s is stored as alpha·s, or alpha·s + beta·C (flags bit 0),
//     each product and the sum rounded separately.

// dotName names a few-row kernel.
func dotName(s isa, mr, nr int) string {
	return fmt.Sprintf("sdot%s_%dx%d", s.name, mr, nr)
}

// dotKernel writes the few-row kernel of an MR×NR block.
func dotKernel(s isa, mr, nr int) {
	name := dotName(s, mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes a %d×%d block of C = alpha·A·Bᵀ (+ beta·C) from rows of A and B read in place.", name, mr, nr))
	W := s.width
	avx512 := s.name == "AVX512"

	// Row pointers, each at the end of its row's whole vectors; the shared
	// offset o runs from -kv·4 up to 0 (kv = k rounded down to W).
	k := Load(Param("k"), GP64())
	kv := GP64()
	MOVQ(k, kv)
	ANDQ(I32(-W), kv)
	SHLQ(U8(2), kv)
	rows := func(param, ldParam string, count int) []reg.Register {
		p := Load(Param(param), GP64())
		ADDQ(kv, p)
		ld := Load(Param(ldParam), GP64())
		SHLQ(U8(2), ld)
		ptrs := []reg.Register{p}
		for i := 1; i < count; i++ {
			q := GP64()
			LEAQ(Mem{Base: ptrs[i-1], Index: ld, Scale: 1}, q)
			ptrs = append(ptrs, q)
		}
		return ptrs
	}
	ap := rows("a", "lda", mr)
	bp := rows("b", "ldb", nr)
	o := GP64()
	MOVQ(kv, o)
	NEGQ(o)

	acc := make([][]reg.VecVirtual, mr)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, nr)
		for j := range acc[i] {
			acc[i][j] = s.vec()
			s.zero(acc[i][j])
		}
	}
	xs := make([]reg.VecVirtual, mr)
	for i := range xs {
		xs[i] = s.vec()
	}
	tmp := []reg.VecVirtual{s.vec(), s.vec()}

	// step multiplies one vector of each row at offset o into the
	// accumulators; load reads a vector (masked in the tail).
	step := func(load func(m Mem, v reg.VecVirtual), fmaMem func(m Mem, x, acc reg.VecVirtual)) {
		for i := range xs {
			load(Mem{Base: ap[i], Index: o, Scale: 1}, xs[i])
		}
		for j := 0; j < nr; j++ {
			m := Mem{Base: bp[j], Index: o, Scale: 1}
			if mr == 1 && fmaMem != nil {
				fmaMem(m, xs[0], acc[0][j])
				continue
			}
			t := tmp[j%2]
			load(m, t)
			for i := 0; i < mr; i++ {
				VFMADD231PS(t, xs[i], acc[i][j])
			}
		}
	}

	TESTQ(o, o)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	step(func(m Mem, v reg.VecVirtual) { VMOVUPS(m, v) },
		func(m Mem, x, a reg.VecVirtual) { VFMADD231PS(m, x, a) })
	ADDQ(U32(4*W), o)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_tail")
	ANDQ(U32(W-1), k)
	JZ(LabelRef(name + "_reduce"))
	// The last k mod W elements, zero-filled (o is 0 here).
	if avx512 {
		ones := GP64()
		MOVQ(I32(-1), ones)
		t := GP64()
		BZHIQ(k, ones, t)
		km := K()
		KMOVW(t.As32(), km)
		step(func(m Mem, v reg.VecVirtual) { VMOVUPS_Z(m, km, v) }, nil)
	} else {
		t := GP64()
		MOVQ(k, t)
		SHLQ(U8(2), t)
		NEGQ(t)
		base := GP64()
		LEAQ(dotTailMask.Offset(32), base)
		vm := YMM()
		VMOVDQU(Mem{Base: base, Index: t, Scale: 1}, vm)
		step(func(m Mem, v reg.VecVirtual) { VMASKMOVPS(m, vm, v) }, nil)
	}

	Label(name + "_reduce")
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	flags := Load(Param("flags"), GP64())
	va, vb := XMM(), XMM()
	VBROADCASTSS(paramAddr("alpha"), va)
	VBROADCASTSS(paramAddr("beta"), vb)
	for i := 0; i < mr; i++ {
		for j0 := 0; j0 < nr; j0 += 4 {
			g := min(4, nr-j0)
			var r reg.VecVirtual
			if avx512 {
				r = reduce4AVX512(acc[i][j0 : j0+g])
			} else {
				r = reduce4AVX2(acc[i][j0 : j0+g])
			}
			storeSums(s, name, fmt.Sprintf("%d_%d", i, j0), r, g, Mem{Base: pc, Disp: 4 * j0}, va, vb, flags)
		}
		if i+1 < mr {
			ADDQ(ldc, pc)
		}
	}
	VZEROUPPER()
	RET()
}

// pad4 repeats the last accumulator up to four (the extra sums are not
// stored).
func pad4(acc []reg.VecVirtual) []reg.VecVirtual {
	p := append([]reg.VecVirtual(nil), acc...)
	for len(p) < 4 {
		p = append(p, acc[len(acc)-1])
	}
	return p
}

// reduce4AVX512 sums the 16 lanes of up to four zmm accumulators by
// halving and returns an xmm holding the sums in lanes 0-3.
func reduce4AVX512(acc []reg.VecVirtual) reg.VecVirtual {
	a := pad4(acc)
	// Lane l + lane l+8: [a(q0+q2) a(q1+q3) b(q0+q2) b(q1+q3)].
	half := func(x, y reg.VecVirtual) reg.VecVirtual {
		u, v := ZMM(), ZMM()
		VSHUFF32X4(U8(0x44), y, x, u) // x.q0 x.q1 y.q0 y.q1
		VSHUFF32X4(U8(0xEE), y, x, v) // x.q2 x.q3 y.q2 y.q3
		VADDPS(v, u, u)
		return u
	}
	ab, cd := half(a[0], a[1]), half(a[2], a[3])
	// Lane l + lane l+4: one 128-bit quarter per accumulator.
	u, v := ZMM(), ZMM()
	VSHUFF32X4(U8(0x88), cd, ab, u) // ab.q0 ab.q2 cd.q0 cd.q2
	VSHUFF32X4(U8(0xDD), cd, ab, v) // ab.q1 ab.q3 cd.q1 cd.q3
	VADDPS(v, u, u)
	return quarterSums(u, ZMM)
}

// quarterSums finishes the halving inside each 128-bit quarter of u
// (lane l + l+2, then l + l+1) and gathers lane 0 of every quarter into
// the lanes 0-3 of an xmm.
func quarterSums(u reg.VecVirtual, vec func() reg.VecVirtual) reg.VecVirtual {
	t := vec()
	VPERMILPS(U8(0x4E), u, t) // x2 x3 x0 x1
	VADDPS(t, u, u)
	t2 := vec()
	VMOVSHDUP(u, t2) // x1 x1 x3 x3
	VADDPS(t2, u, u)
	idx := vec()
	VMOVUPS(dotGather, idx)
	VPERMPS(u, idx, u)
	return u.AsX().(reg.VecVirtual)
}

// reduce4AVX2 is reduce4AVX512 for ymm accumulators of 8 lanes.
func reduce4AVX2(acc []reg.VecVirtual) reg.VecVirtual {
	a := pad4(acc)
	half := func(x, y reg.VecVirtual) reg.VecVirtual {
		u, v := YMM(), YMM()
		VPERM2F128(U8(0x20), y, x, u) // x.lo y.lo
		VPERM2F128(U8(0x31), y, x, v) // x.hi y.hi
		VADDPS(v, u, u)
		return u
	}
	ab, cd := half(a[0], a[1]), half(a[2], a[3])
	// Lane l + l+2, then l + l+1, inside each 128-bit half.
	for _, x := range []reg.VecVirtual{ab, cd} {
		t := YMM()
		VPERMILPS(U8(0x4E), x, t)
		VADDPS(t, x, x)
		t2 := YMM()
		VMOVSHDUP(x, t2)
		VADDPS(t2, x, x)
	}
	// ab: a in lane 0, b in lane 4; cd: c in lane 0, d in lane 4.
	x := YMM()
	VUNPCKLPS(cd, ab, x) // a c . . | b d . .
	hi := XMM()
	VEXTRACTF128(U8(1), x, hi)
	r := XMM()
	VUNPCKLPS(hi, x.AsX(), r) // a b c d
	return r
}

// storeSums stores the g sums in lanes 0..g-1 of r at m: alpha·s, or
// alpha·s + beta·C when flags bit 0 is set.
func storeSums(s isa, name, id string, r reg.VecVirtual, g int, m Mem, va, vb reg.VecVirtual, flags reg.Register) {
	VMULPS(va, r, r)
	lb := fmt.Sprintf("%s_st%s", name, id)
	TESTQ(U32(1), flags)
	JZ(LabelRef(lb))
	t := XMM()
	loadPartial(s, m, g, t)
	VMULPS(vb, t, t)
	VADDPS(t, r, r)
	Label(lb)
	storePartial(s, r, g, m)
}

// loadPartial loads g ≤ 4 floats at m into the low lanes of x.
func loadPartial(s isa, m Mem, g int, x reg.VecVirtual) {
	switch g {
	case 4:
		VMOVUPS(m, x)
	case 1:
		VMOVSS(m, x)
	case 2:
		VMOVSD(m, x)
	default: // 3
		VMOVSD(m, x)
		t := XMM()
		VMOVSS(m.Offset(8), t)
		VMOVLHPS(t, x, x) // x0 x1 t0 0
	}
}

// storePartial stores the low g ≤ 4 lanes of x at m.
func storePartial(s isa, x reg.VecVirtual, g int, m Mem) {
	switch g {
	case 4:
		VMOVUPS(x, m)
	case 1:
		VMOVSS(x, m)
	case 2:
		VMOVSD(x, m)
	default:
		VMOVSD(x, m)
		VEXTRACTPS(U8(2), x, m.Offset(8))
	}
}

var (
	dotTailMask Mem // 8 ones then 8 zeros (AVX2 tail masks)
	dotGather   Mem // lane indices 0, 4, 8, 12 (lane 0 of each quarter)
)

func dotConstants() {
	dotTailMask = GLOBL("dottailmask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	dotGather = GLOBL("dotgather", RODATA|NOPTR)
	for i, v := range []uint32{0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} {
		DATA(4*i, U32(v))
	}
}

// dotShapes are the few-row kernels of each instruction set: one main
// block per row count (1-4) and the one-column blocks for the last
// columns. Their column counts divide 24, the driver's column block.
var dotShapes = map[string][][2]int{
	"AVX512": {{1, 8}, {2, 8}, {3, 8}, {4, 6}, {1, 1}, {2, 1}, {3, 1}, {4, 1}},
	"AVX2":   {{1, 8}, {2, 4}, {3, 3}, {4, 2}, {1, 1}, {2, 1}, {3, 1}, {4, 1}},
}

func dotKernels() {
	dotConstants()
	for _, s := range []isa{avx512s, avx2s} {
		for _, sh := range dotShapes[s.name] {
			dotKernel(s, sh[0], sh[1])
		}
	}
}
