// Command gemm writes the amd64 micro-kernels and packing routines of
// goformer's GEMM (package tensor/internal/gemm) with avo.
//
// A micro-kernel computes one MR×NR tile of C = alpha·A·B + beta·C from a
// packed A panel and a packed B panel:
//
//   - the B panel holds kc rows of NR consecutive columns (p-major), loaded
//     as NR/W vectors per step p (W elements per vector);
//   - the A panel holds MR rows either p-major (element (i, p) at p·MR+i,
//     suffix P, packed from a transposed A) or row by row with a row stride
//     rs (element (i, p) at i·rs+p, suffix R, packed by copying rows of a
//     row-major A);
//   - each step broadcasts the MR elements of A and multiplies them into
//     MR×NR/W accumulator registers.
//
// flags bit 0 set means C is read and scaled by beta; otherwise C is only
// written (beta = 0, NaNs in C do not propagate).
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa describes one vector instruction set and element type.
type isa struct {
	name      string // AVX512 or AVX2
	elem      string // S (float32) or D (float64)
	size      int    // bytes per element
	width     int    // elements per vector
	vec       func() reg.VecVirtual
	embedBcst bool // FMA can take a broadcast memory operand
}

func (s isa) vbytes() int { return s.size * s.width }

func (s isa) goType() string {
	if s.elem == "S" {
		return "float32"
	}
	return "float64"
}

func (s isa) fma(a, b, c Op) { // c += a·b
	if s.elem == "S" {
		VFMADD231PS(a, b, c)
	} else {
		VFMADD231PD(a, b, c)
	}
}

func (s isa) fmaBcst(m, b, c Op) { // c += bcast(m)·b
	if s.elem == "S" {
		VFMADD231PS_BCST(m, b, c)
	} else {
		VFMADD231PD_BCST(m, b, c)
	}
}

func (s isa) bcst(m, v Op) {
	if s.elem == "S" {
		VBROADCASTSS(m, v)
	} else {
		VBROADCASTSD(m, v)
	}
}

func (s isa) load(m, v Op) {
	if s.elem == "S" {
		VMOVUPS(m, v)
	} else {
		VMOVUPD(m, v)
	}
}

func (s isa) store(v, m Op) { s.load(v, m) }

func (s isa) mul(a, b, c Op) {
	if s.elem == "S" {
		VMULPS(a, b, c)
	} else {
		VMULPD(a, b, c)
	}
}

func (s isa) zero(v reg.VecVirtual) {
	if s.name == "AVX512" {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

var (
	avx512s = isa{"AVX512", "S", 4, 16, ZMM, true}
	avx512d = isa{"AVX512", "D", 8, 8, ZMM, true}
	avx2s   = isa{"AVX2", "S", 4, 8, YMM, false}
	avx2d   = isa{"AVX2", "D", 8, 4, YMM, false}
)

func kernelName(s isa, mr, nv int, layout string, explicit bool) string {
	b := ""
	if explicit {
		b = "b"
	}
	return fmt.Sprintf("%sgemm%s_%dx%d%s%s", map[string]string{"S": "s", "D": "d"}[s.elem], s.name, mr, nv*s.width, layout, b)
}

// kernel writes one micro-kernel with MR = mr rows and NR = nv·W columns.
// layout is "P" or "R" (see the package comment). explicit selects a
// broadcast into a register followed by nv register FMAs instead of nv FMAs
// with an embedded broadcast operand.
func kernel(s isa, mr, nv int, layout string, explicit bool) {
	kernelStore(s, mr, nv, layout, explicit, false)
}

// kernelStore is kernel; with transposed set (AVX-512 float32, mr = 8
// only) the tile is stored transposed: element (i, j) of the tile at
// c[j·ldc + i], the suffix t.
func kernelStore(s isa, mr, nv int, layout string, explicit, transposed bool) {
	const unroll = 4
	name := kernelName(s, mr, nv, layout, explicit)
	what := "tile of C"
	if transposed {
		name += "t"
		what = "tile of Cᵀ"
	}
	gt := s.goType()
	TEXT(name, NOSPLIT, fmt.Sprintf("func(kc int, a, b, c *%s, ldc int, alpha, beta %s, flags int, rs int)", gt, gt))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes a %d×%d %s (%s A panel).", name, mr, nv*s.width, what, layout))

	kc := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	pb := Load(Param("b"), GP64())

	acc := make([][]reg.VecVirtual, mr)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, nv)
		for v := range acc[i] {
			acc[i][v] = s.vec()
			s.zero(acc[i][v])
		}
	}

	// Prefetch the C tile: the loop below is long enough to hide it.
	if transposed {
		pc := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(shift(s.size)), ldc)
		for j := 0; j < nv*s.width; j++ {
			PREFETCHT0(Mem{Base: pc})
			PREFETCHT0(Mem{Base: pc, Disp: mr*s.size - 1})
			if j+1 < nv*s.width {
				ADDQ(ldc, pc)
			}
		}
	} else {
		pc := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(shift(s.size)), ldc)
		for i := 0; i < mr; i++ {
			for off := 0; off < nv*s.vbytes(); off += 64 {
				PREFETCHT0(Mem{Base: pc, Disp: off})
			}
			PREFETCHT0(Mem{Base: pc, Disp: nv*s.vbytes() - 1})
			if i+1 < mr {
				ADDQ(ldc, pc)
			}
		}
	}

	// A addressing.
	var aAddr func(i, u int) Mem
	var advanceA func(steps int)
	if layout == "P" {
		aAddr = func(i, u int) Mem { return Mem{Base: pa, Disp: (u*mr + i) * s.size} }
		advanceA = func(steps int) { ADDQ(U32(steps*mr*s.size), pa) }
	} else {
		rs := Load(Param("rs"), GP64())
		SHLQ(U8(shift(s.size)), rs)
		rs3 := GP64()
		LEAQ(Mem{Base: rs, Index: rs, Scale: 2}, rs3)
		bases := []reg.Register{pa}
		for g := 1; g*5 < mr; g++ {
			r := GP64()
			// base of rows 5g.. = pa + 5g·rs
			MOVQ(rs, r)
			IMUL3Q(U8(5*g), r, r)
			ADDQ(pa, r)
			bases = append(bases, r)
		}
		aAddr = func(i, u int) Mem {
			b := bases[i/5]
			d := u * s.size
			switch i % 5 {
			case 0:
				return Mem{Base: b, Disp: d}
			case 1:
				return Mem{Base: b, Index: rs, Scale: 1, Disp: d}
			case 2:
				return Mem{Base: b, Index: rs, Scale: 2, Disp: d}
			case 3:
				return Mem{Base: b, Index: rs3, Scale: 1, Disp: d}
			default:
				return Mem{Base: b, Index: rs, Scale: 4, Disp: d}
			}
		}
		advanceA = func(steps int) {
			for _, b := range bases {
				ADDQ(U32(steps*s.size), b)
			}
		}
	}

	nr := nv * s.width
	// Registers: accumulators, one or two sets of B vectors (two let the
	// loads of the next step start early), broadcast temporaries.
	regs := 32
	if s.name == "AVX2" {
		regs = 16
	}
	ntmp := 0
	if explicit || !s.embedBcst {
		ntmp = 2
		if mr*nv+2*nv+ntmp > regs {
			ntmp = 1
		}
	}
	nbuf := 2
	if mr*nv+2*nv+ntmp > regs {
		nbuf = 1
	}
	if mr*nv+nbuf*nv+ntmp > regs || mr*nv+3 > regs {
		panic(fmt.Sprintf("%s: %d×%d vectors do not fit in %d registers", name, mr, nv, regs))
	}
	bv := make([][]reg.VecVirtual, nbuf)
	for i := range bv {
		bv[i] = make([]reg.VecVirtual, nv)
		for v := range bv[i] {
			bv[i][v] = s.vec()
		}
	}
	var tmp []reg.VecVirtual
	for range ntmp {
		tmp = append(tmp, s.vec())
	}
	step := func(u int) {
		b := bv[u%nbuf]
		for v := 0; v < nv; v++ {
			s.load(Mem{Base: pb, Disp: (u*nr + v*s.width) * s.size}, b[v])
		}
		for i := 0; i < mr; i++ {
			if tmp == nil {
				for v := 0; v < nv; v++ {
					s.fmaBcst(aAddr(i, u), b[v], acc[i][v])
				}
			} else {
				t := tmp[i%len(tmp)]
				s.bcst(aAddr(i, u), t)
				for v := 0; v < nv; v++ {
					s.fma(t, b[v], acc[i][v])
				}
			}
		}
	}

	n4 := GP64()
	MOVQ(kc, n4)
	SHRQ(U8(2), n4)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop4")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*nr*s.size), pb)
	advanceA(unroll)
	DECQ(n4)
	JNZ(LabelRef(name + "_loop4"))

	Label(name + "_tail")
	ANDQ(U8(3), kc)
	JZ(LabelRef(name + "_store"))
	Label(name + "_loop1")
	step(0)
	ADDQ(U32(nr*s.size), pb)
	advanceA(1)
	DECQ(kc)
	JNZ(LabelRef(name + "_loop1"))

	Label(name + "_store")
	if transposed {
		storeTransposed(s, name, acc)
		return
	}
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(shift(s.size)), ldc)
	va, vb := s.vec(), s.vec()
	s.bcst(paramAddr("alpha"), va)
	s.bcst(paramAddr("beta"), vb)
	flags := Load(Param("flags"), GP64())
	TESTQ(U32(1), flags)
	JNZ(LabelRef(name + "_beta"))
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			s.mul(va, acc[i][v], acc[i][v])
			s.store(acc[i][v], Mem{Base: pc, Disp: v * s.vbytes()})
		}
		if i+1 < mr {
			ADDQ(ldc, pc)
		}
	}
	VZEROUPPER()
	RET()

	Label(name + "_beta")
	t := s.vec()
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			s.mul(Mem{Base: pc, Disp: v * s.vbytes()}, vb, t)
			s.fma(acc[i][v], va, t)
			s.store(t, Mem{Base: pc, Disp: v * s.vbytes()})
		}
		if i+1 < mr {
			ADDQ(ldc, pc)
		}
	}
	VZEROUPPER()
	RET()
}

// paramAddr returns the stack address of a scalar parameter (MOVSS cannot
// load into the upper 16 vector registers; VBROADCASTSS reads memory).
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// shift returns log2(size) for a power of two.
func shift(size int) int {
	for i := 0; i < 31; i++ {
		if 1<<i == size {
			return i
		}
	}
	panic(fmt.Sprintf("%d is not a power of two", size))
}

// packBN writes the packer of whole B panels from a row-major B: panel q
// holds, for each p < kc, the nr = nv·W elements src[p·ld + q·nr ...].
func packBN(s isa, nv int) {
	nr := nv * s.width
	name := fmt.Sprintf("%spackBN%s_%d", map[string]string{"S": "s", "D": "d"}[s.elem], s.name, nr)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src *%s, kc, ld, panels int)", s.goType()))
	Pragma("noescape")
	Doc(name + " packs whole B panels from a row-major B.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(shift(s.size)), ld)
	panels := Load(Param("panels"), GP64())
	TESTQ(panels, panels)
	JZ(LabelRef(name + "_done"))
	v := make([]reg.VecVirtual, nv)
	for i := range v {
		v[i] = s.vec()
	}
	Label(name + "_panel")
	kc := Load(Param("kc"), GP64())
	sp := GP64()
	MOVQ(src, sp)
	TESTQ(kc, kc)
	JZ(LabelRef(name + "_next"))
	Label(name + "_row")
	for i := range v {
		s.load(Mem{Base: sp, Disp: i * s.vbytes()}, v[i])
	}
	for i := range v {
		s.store(v[i], Mem{Base: dst, Disp: i * s.vbytes()})
	}
	ADDQ(ld, sp)
	ADDQ(U32(nr*s.size), dst)
	DECQ(kc)
	JNZ(LabelRef(name + "_row"))
	Label(name + "_next")
	ADDQ(U32(nr*s.size), src)
	DECQ(panels)
	JNZ(LabelRef(name + "_panel"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transpose16 transposes 16 zmm rows of 16 float32: out[p] holds element p
// of every row.
func transpose16(r []reg.VecVirtual) []reg.VecVirtual {
	a := make([]reg.VecVirtual, 16)
	for i := 0; i < 16; i += 2 {
		a[i], a[i+1] = ZMM(), ZMM()
		VUNPCKLPS(r[i+1], r[i], a[i])   // per lane: r_i[0] r_i+1[0] r_i[1] r_i+1[1]
		VUNPCKHPS(r[i+1], r[i], a[i+1]) // r_i[2] r_i+1[2] r_i[3] r_i+1[3]
	}
	// v[g][s]: lane l holds rows 4g..4g+3 at column 4l+s.
	var v [4][4]reg.VecVirtual
	for g := 0; g < 4; g++ {
		lo0, hi0, lo1, hi1 := a[4*g], a[4*g+1], a[4*g+2], a[4*g+3]
		for s := range v[g] {
			v[g][s] = ZMM()
		}
		VUNPCKLPD(lo1, lo0, v[g][0])
		VUNPCKHPD(lo1, lo0, v[g][1])
		VUNPCKLPD(hi1, hi0, v[g][2])
		VUNPCKHPD(hi1, hi0, v[g][3])
	}
	out := make([]reg.VecVirtual, 16)
	for s := 0; s < 4; s++ {
		w0, w1, w2, w3 := ZMM(), ZMM(), ZMM(), ZMM()
		VSHUFF32X4(U8(0x44), v[1][s], v[0][s], w0) // v0.l0 v0.l1 v1.l0 v1.l1
		VSHUFF32X4(U8(0xEE), v[1][s], v[0][s], w1) // v0.l2 v0.l3 v1.l2 v1.l3
		VSHUFF32X4(U8(0x44), v[3][s], v[2][s], w2)
		VSHUFF32X4(U8(0xEE), v[3][s], v[2][s], w3)
		for l := 0; l < 4; l++ {
			out[4*l+s] = ZMM()
		}
		VSHUFF32X4(U8(0x88), w2, w0, out[s])    // lane 0 of each
		VSHUFF32X4(U8(0xDD), w2, w0, out[4+s])  // lane 1
		VSHUFF32X4(U8(0x88), w3, w1, out[8+s])  // lane 2
		VSHUFF32X4(U8(0xDD), w3, w1, out[12+s]) // lane 3
	}
	return out
}

// transpose8 transposes 8 ymm rows of 8 float32.
func transpose8(r []reg.VecVirtual) []reg.VecVirtual {
	a := make([]reg.VecVirtual, 8)
	for i := 0; i < 8; i += 2 {
		a[i], a[i+1] = YMM(), YMM()
		VUNPCKLPS(r[i+1], r[i], a[i])
		VUNPCKHPS(r[i+1], r[i], a[i+1])
	}
	// b[g][s]: 128-bit lane l holds rows 4g..4g+3 at column 4l+s.
	var b [2][4]reg.VecVirtual
	for g := 0; g < 2; g++ {
		for s := range b[g] {
			b[g][s] = YMM()
		}
		VSHUFPS(U8(0x44), a[4*g+2], a[4*g], b[g][0])
		VSHUFPS(U8(0xEE), a[4*g+2], a[4*g], b[g][1])
		VSHUFPS(U8(0x44), a[4*g+3], a[4*g+1], b[g][2])
		VSHUFPS(U8(0xEE), a[4*g+3], a[4*g+1], b[g][3])
	}
	out := make([]reg.VecVirtual, 8)
	for s := 0; s < 4; s++ {
		out[s], out[4+s] = YMM(), YMM()
		VPERM2F128(U8(0x20), b[1][s], b[0][s], out[s])
		VPERM2F128(U8(0x31), b[1][s], b[0][s], out[4+s])
	}
	return out
}

// packBT writes the packer of whole float32 B panels from a transposed B
// (element (p, j) at src[j·ld + p]): it transposes blocks of W lines by W
// values of p and handles kc rounded down to a multiple of W; the caller
// packs the remaining values of p.
func packBT(s isa, nv int) {
	nr := nv * s.width
	w := s.width
	name := fmt.Sprintf("spackBT%s_%d", s.name, nr)
	TEXT(name, NOSPLIT, "func(dst, src *float32, kc, ld, panels int)")
	Pragma("noescape")
	Doc(name + " packs whole B panels from a transposed B, for kc rounded down to a multiple of the vector width.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	kc := Load(Param("kc"), GP64())
	blocks := GP64()
	MOVQ(kc, blocks)
	SHRQ(U8(shift(w)), blocks) // kc / w
	JZ(LabelRef(name + "_done"))
	panels := Load(Param("panels"), GP64())
	TESTQ(panels, panels)
	JZ(LabelRef(name + "_done"))
	rowBytes := GP64() // kc·nr·4: one panel
	MOVQ(kc, rowBytes)
	SHLQ(U8(shift(4*nr)), rowBytes)

	Label(name + "_panel")
	for h := 0; h < nv; h++ {
		// Lines q·nr + h·w ... + w-1.
		line := GP64()
		MOVQ(src, line)
		if h > 0 {
			off := GP64()
			MOVQ(ld, off)
			IMUL3Q(U8(h*w), off, off)
			ADDQ(off, line)
		}
		d := GP64()
		MOVQ(dst, d)
		cnt := GP64()
		MOVQ(blocks, cnt)
		Label(fmt.Sprintf("%s_block%d", name, h))
		rows := make([]reg.VecVirtual, w)
		ptr := GP64()
		MOVQ(line, ptr)
		for i := range rows {
			rows[i] = s.vec()
			VMOVUPS(Mem{Base: ptr}, rows[i])
			if i+1 < w {
				ADDQ(ld, ptr)
			}
		}
		var out []reg.VecVirtual
		if w == 16 {
			out = transpose16(rows)
		} else {
			out = transpose8(rows)
		}
		for p := range out {
			VMOVUPS(out[p], Mem{Base: d, Disp: (p*nr + h*w) * 4})
		}
		ADDQ(U32(4*w), line)
		ADDQ(U32(w*nr*4), d)
		DECQ(cnt)
		JNZ(LabelRef(fmt.Sprintf("%s_block%d", name, h)))
	}
	// Next panel: nr lines further in src, one panel further in dst.
	step := GP64()
	MOVQ(ld, step)
	IMUL3Q(U8(nr), step, step)
	ADDQ(step, src)
	ADDQ(rowBytes, dst)
	DECQ(panels)
	JNZ(LabelRef(name + "_panel"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func main() {
	ConstraintExpr("amd64,!purego")
	for _, layout := range []string{"P", "R"} {
		// AVX-512 float32: the production shape (8×32) and the
		// alternatives kept for the kernel lab (see kernel_lab_test.go).
		kernel(avx512s, 8, 2, layout, true)
		kernel(avx512s, 12, 2, layout, true)
		kernel(avx512s, 12, 2, layout, false)
		kernel(avx512s, 14, 2, layout, true)
		kernel(avx512s, 6, 4, layout, true)
		kernel(avx512s, 8, 3, layout, true)
		kernel(avx2s, 6, 2, layout, false)
		kernel(avx512d, 12, 2, layout, true)
		kernel(avx2d, 6, 2, layout, false)
	}
	packBN(avx512s, 2)
	packBN(avx2s, 2)
	packBN(avx512d, 2)
	packBN(avx2d, 2)
	packBT(avx512s, 2)
	packBT(avx2s, 2)
	kernelStore(avx512s, 8, 2, "R", true, true)
	dotKernels()
	Generate()
}

// storeTransposed stores an 8×(16·nv) AVX-512 float32 tile transposed:
// row i of the tile (acc[i]) becomes column i of 16·nv rows of C, each
// row 8 consecutive floats at c + j·ldc. It computes alpha·acc, or
// alpha·acc + beta·C (flags bit 0) with the kernel's rounding: C·beta
// rounded, then one fused multiply-add.
func storeTransposed(s isa, name string, acc [][]reg.VecVirtual) {
	if s.name != "AVX512" || s.elem != "S" || len(acc) != 8 {
		panic("storeTransposed: AVX-512 float32 8-row tiles only")
	}
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	ldc3 := GP64()
	LEAQ(Mem{Base: ldc, Index: ldc, Scale: 2}, ldc3)
	va, vb := ZMM(), ZMM()
	VBROADCASTSS(paramAddr("alpha"), va)
	VBROADCASTSS(paramAddr("beta"), vb)
	flags := Load(Param("flags"), GP64())
	nv := len(acc[0])
	// out[t] holds, for t = 4L + s, the 8 values of token rows 4L+s
	// (lanes 0-7) and ... see below: each zmm holds two rows of C.
	for v := 0; v < nv; v++ {
		r := make([]reg.VecVirtual, 8)
		for i := range r {
			r[i] = acc[i][v]
		}
		a := make([]reg.VecVirtual, 8)
		for i := 0; i < 8; i += 2 {
			a[i], a[i+1] = ZMM(), ZMM()
			VUNPCKLPS(r[i+1], r[i], a[i])   // per 128-bit lane: r_i[0] r_i+1[0] r_i[1] r_i+1[1]
			VUNPCKHPS(r[i+1], r[i], a[i+1]) // r_i[2] r_i+1[2] r_i[3] r_i+1[3]
		}
		// b[g][e]: 128-bit lane L holds rows 4g..4g+3 at token 4L+e.
		var b [2][4]reg.VecVirtual
		for g := 0; g < 2; g++ {
			for e := range b[g] {
				b[g][e] = ZMM()
			}
			VSHUFPS(U8(0x44), a[4*g+2], a[4*g], b[g][0])
			VSHUFPS(U8(0xEE), a[4*g+2], a[4*g], b[g][1])
			VSHUFPS(U8(0x44), a[4*g+3], a[4*g+1], b[g][2])
			VSHUFPS(U8(0xEE), a[4*g+3], a[4*g+1], b[g][3])
		}
		// Row pointers of tokens 16v + 4L, L = 0..3.
		base := make([]reg.GPVirtual, 4)
		for l := range base {
			base[l] = GP64()
			MOVQ(ldc, base[l])
			IMUL3Q(U32(16*v+4*l), base[l], base[l])
			ADDQ(pc, base[l])
		}
		rowAddr := func(t int) Mem { // token 16v + t
			l, e := t/4, t%4
			switch e {
			case 0:
				return Mem{Base: base[l]}
			case 1:
				return Mem{Base: base[l], Index: ldc, Scale: 1}
			case 2:
				return Mem{Base: base[l], Index: ldc, Scale: 2}
			default:
				return Mem{Base: base[l], Index: ldc3, Scale: 1}
			}
		}
		for e := 0; e < 4; e++ {
			for h, imm := range []uint8{0x44, 0xEE} {
				// Tokens 8h + e (low half) and 8h + 4 + e (high half).
				u := ZMM()
				VSHUFF32X4(U8(imm), b[1][e], b[0][e], u) // b0.L b0.L+1 b1.L b1.L+1
				VSHUFF32X4(U8(0xD8), u, u, u)            // b0.L b1.L b0.L+1 b1.L+1
				lo, hi := rowAddr(8*h+e), rowAddr(8*h+4+e)
				lb := fmt.Sprintf("%s_t%d_%d_%d", name, v, e, h)
				done := lb + "_st"
				TESTQ(U32(1), flags)
				JZ(LabelRef(lb))
				y, t := YMM(), ZMM()
				VMOVUPS(lo, y)
				VINSERTF32X8(U8(1), hi, y.AsZ(), t)
				VMULPS(vb, t, t)
				VFMADD231PS(va, u, t)
				VMOVUPS(t.AsY(), lo)
				VEXTRACTF32X8(U8(1), t, hi)
				JMP(LabelRef(done))
				Label(lb)
				VMULPS(va, u, u)
				VMOVUPS(u.AsY(), lo)
				VEXTRACTF32X8(U8(1), u, hi)
				Label(done)
			}
		}
	}
	VZEROUPPER()
	RET()
}
