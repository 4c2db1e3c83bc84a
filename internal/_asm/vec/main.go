// Command vec writes the amd64 vector kernels of goformer's
// internal/vec package with avo, in AVX-512 and AVX2+FMA variants.
//
// Every kernel walks its slices in blocks of several vectors, then single
// vectors, then a masked tail (AVX-512 opmask registers, AVX2 VMASKMOVPS),
// so that no element is touched twice and no memory past the end is read.
// Constants live in read-only 64-byte vectors and are used as memory
// operands.
//
// The polynomial coefficients were fitted for goformer (relative minimax by
// iteratively reweighted least squares, float64) by fit.py beside this file.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa is a vector instruction set for float32.
type isa struct {
	name   string
	w      int // lanes
	avx512 bool
}

func (s isa) vbytes() int { return 4 * s.w }

func (s isa) vec() reg.VecVirtual {
	if s.avx512 {
		return ZMM()
	}
	return YMM()
}

var (
	avx512 = isa{"AVX512", 16, true}
	avx2   = isa{"AVX2", 8, false}
)

// Constants, each a 32-byte vector of one float32 (or int32) value. AVX2
// code loads the whole vector; AVX-512 code broadcasts the first lane
// (VBROADCASTSS, or an instruction's embedded broadcast), never a 64-byte
// load: the Go linker aligns data symbols to at most 32 bytes, so a 64-byte
// load from one would cross a cache line in about half of all binaries and
// run at half speed.
var consts = map[string]Mem{}

func constant(name string, bits uint32) Mem {
	if m, ok := consts[name]; ok {
		return m
	}
	m := GLOBL("c_"+name, RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, U32(bits))
	}
	consts[name] = m
	return m
}

func cf(name string, v float32) Mem { return constant(name, math.Float32bits(v)) }

var tailMask Mem

// g is the state of one function being written.
type g struct {
	s    isa
	name string
	k    reg.OpmaskVirtual // AVX-512 tail mask
	vm   reg.VecVirtual    // AVX2 tail mask
	tail bool              // inside the masked tail
}

func newG(s isa, name, sig string) *g {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	return &g{s: s, name: name}
}

// label returns a label name unique to the function.
func (f *g) label(l string) string { return f.name + "_" + l }

// setTail builds the mask for the last r (1 ≤ r < W) elements.
func (f *g) setTail(r reg.Register) {
	if f.s.avx512 {
		ones := GP64()
		MOVQ(I32(-1), ones)
		t := GP64()
		BZHIQ(r, ones, t)
		f.k = K()
		KMOVW(t.As32(), f.k)
		return
	}
	t := GP64()
	MOVQ(r, t)
	SHLQ(U8(2), t)
	NEGQ(t)
	base := GP64()
	LEAQ(tailMask.Offset(32), base)
	f.vm = YMM()
	VMOVDQU(Mem{Base: base, Index: t, Scale: 1}, f.vm)
}

// load reads one vector at p+off (masked, zero-filled, in the tail).
func (f *g) load(p reg.Register, off int) reg.VecVirtual {
	v := f.s.vec()
	m := Mem{Base: p, Disp: off}
	switch {
	case !f.tail:
		VMOVUPS(m, v)
	case f.s.avx512:
		VMOVUPS_Z(m, f.k, v)
	default:
		VMASKMOVPS(m, f.vm, v)
	}
	return v
}

// loadFill is load with the masked-out lanes set to fill.
func (f *g) loadFill(p reg.Register, off int, fill Op) reg.VecVirtual {
	if !f.tail {
		return f.load(p, off)
	}
	v := f.s.vec()
	m := Mem{Base: p, Disp: off}
	if f.s.avx512 {
		VBROADCASTSS(fill, v)
		VMOVUPS(m, f.k, v)
		return v
	}
	VMASKMOVPS(m, f.vm, v)
	fv := f.s.vec()
	VMOVUPS(fill, fv)
	VBLENDVPS(f.vm, v, fv, v) // v = mask ? v : fill
	return v
}

// store writes one vector at p+off (masked in the tail).
func (f *g) store(v reg.VecVirtual, p reg.Register, off int) {
	m := Mem{Base: p, Disp: off}
	switch {
	case !f.tail:
		VMOVUPS(v, m)
	case f.s.avx512:
		VMOVUPS(v, f.k, m)
	default:
		VMASKMOVPS(v, f.vm, m)
	}
}

// active zeroes the lanes of v past the end of the data (tail only).
func (f *g) active(v reg.VecVirtual) {
	if !f.tail {
		return
	}
	if f.s.avx512 {
		VMOVAPS_Z(v, f.k, v)
	} else {
		VANDPS(f.vm, v, v)
	}
}

// bcast broadcasts a float32 parameter.
func (f *g) bcast(name string) reg.VecVirtual {
	v := f.s.vec()
	VBROADCASTSS(paramAddr(name), v)
	return v
}

// c loads the constant m into a register: broadcast from its first lane on
// AVX-512 (see constant).
func (f *g) c(m Mem) reg.VecVirtual {
	v := f.s.vec()
	if f.s.avx512 {
		VBROADCASTSS(m, v)
	} else {
		VMOVUPS(m, v)
	}
	return v
}

// bc emits ins with the constant m as its memory operand: on AVX-512 as
// bcst, the same instruction with an embedded broadcast of m's first lane
// (see constant).
func (f *g) bc(ins, bcst func(...Op), m Mem, rest ...Op) {
	if f.s.avx512 {
		bcst(append([]Op{m}, rest...)...)
		return
	}
	ins(append([]Op{m}, rest...)...)
}

func (f *g) zero() reg.VecVirtual {
	v := f.s.vec()
	if f.s.avx512 {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
	return v
}

func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func returnAddr(i int) Mem {
	b, err := ReturnIndex(i).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// loop runs body over n elements: blocks of u vectors, single vectors,
// then the masked tail. body(k) processes k vectors at the current
// pointers (vector i at offset i·vbytes); loop advances ptrs.
func (f *g) loop(n reg.GPVirtual, ptrs []reg.Register, u int, body func(k int)) {
	W := f.s.w
	if u > 1 {
		Label(f.label("blockcheck"))
		CMPQ(n, U32(u*W))
		JL(LabelRef(f.label("single")))
		body(u)
		for _, p := range ptrs {
			ADDQ(U32(u*f.s.vbytes()), p)
		}
		SUBQ(U32(u*W), n)
		JMP(LabelRef(f.label("blockcheck")))
	}
	Label(f.label("single"))
	CMPQ(n, U32(W))
	JL(LabelRef(f.label("tail")))
	body(1)
	for _, p := range ptrs {
		ADDQ(U32(f.s.vbytes()), p)
	}
	SUBQ(U32(W), n)
	JMP(LabelRef(f.label("single")))
	Label(f.label("tail"))
	TESTQ(n, n)
	JZ(LabelRef(f.label("end")))
	f.setTail(n)
	f.tail = true
	body(1)
	f.tail = false
	Label(f.label("end"))
}

// hsum adds the lanes of v; the result is in lane 0 of the returned XMM.
func (f *g) hsum(v reg.VecVirtual) reg.VecVirtual { return f.hfold(v, VADDPS, VADDSS) }

// hmax is hsum for the maximum.
func (f *g) hmax(v reg.VecVirtual) reg.VecVirtual { return f.hfold(v, VMAXPS, VMAXSS) }

// hfold folds the lanes of v with the packed operation op (and its scalar
// form ss for the last step), halving the width each time; the result is
// in lane 0 of the returned XMM.
func (f *g) hfold(v reg.VecVirtual, op, ss func(...Op)) reg.VecVirtual {
	y := v
	if f.s.avx512 {
		hi := YMM()
		VEXTRACTF32X8(U8(1), v, hi)
		y = YMM()
		op(hi, v.AsY(), y)
	}
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	x := XMM()
	op(hx, y.AsX(), x)
	t := XMM()
	VMOVHLPS(x, x, t)
	op(t, x, x)
	VSHUFPS(U8(0x55), x, x, t)
	ss(t, x, x)
	return x
}

func (f *g) ret() {
	VZEROUPPER()
	RET()
}

// ---- math on vectors ----

// Coefficients of e^r on [-ln2/2, ln2/2] (degree 6, relative error of the
// fit 1.9e-9).
var expPoly = []float32{1.000000001e+00, 1.000000036e+00, 4.999999214e-01, 1.666641990e-01, 4.166821102e-02, 8.374837571e-03, 1.383771015e-03}

// horner evaluates Σ c[i]·x^i.
func (f *g) horner(x reg.VecVirtual, name string, c []float32) reg.VecVirtual {
	p := f.c(cf(fmt.Sprintf("%s%d", name, len(c)-1), c[len(c)-1]))
	for i := len(c) - 2; i >= 0; i-- {
		f.bc(VFMADD213PS, VFMADD213PS_BCST, cf(fmt.Sprintf("%s%d", name, i), c[i]), x, p) // p = p·x + c[i]
	}
	return p
}

// exp returns e^x, within 2 ulp for every float32 (see vec's tests), with
// e^x = 0 below the subnormal range, +Inf above ln(MaxFloat32), NaN for NaN.
func (f *g) exp(x reg.VecVirtual) reg.VecVirtual { return f.expArg(x, false) }

// expArg is exp; nonPositive promises x ≤ 0 (or NaN), which saves the
// upper clamp.
func (f *g) expArg(x reg.VecVirtual, nonPositive bool) reg.VecVirtual {
	xc := x
	if !nonPositive {
		hi := f.c(cf("exphi", 88.8))
		xc = f.s.vec()
		VMINPS(x, hi, xc) // min(hi, x): a NaN x passes through
	}
	lo := f.c(cf("explo", -104))
	xl := f.s.vec()
	VMAXPS(xc, lo, xl)
	xc = xl
	// n = round(x·log2e): adding 1.5·2^23 rounds to an integer (to
	// nearest even) and subtracting it back is exact, for |x·log2e| < 2^22.
	n := f.c(cf("shifter", 12582912))
	f.bc(VFMADD231PS, VFMADD231PS_BCST, cf("log2e", float32(math.Log2E)), xc, n)
	f.bc(VSUBPS, VSUBPS_BCST, cf("shifter", 12582912), n, n)
	r := f.s.vec()
	VMOVAPS(xc, r)
	f.bc(VFNMADD231PS, VFNMADD231PS_BCST, cf("ln2hi", math.Float32frombits(0x3f317200)), n, r) // r -= n·ln2hi (exact)
	f.bc(VFNMADD231PS, VFNMADD231PS_BCST, cf("ln2lo", float32(math.Ln2-float64(math.Float32frombits(0x3f317200)))), n, r)
	p := f.horner(r, "exp", expPoly)
	if f.s.avx512 {
		VSCALEFPS(n, p, p) // p·2^n, rounded once, overflow and underflow handled
		return p
	}
	// 2^n as two factors 2^(n>>1)·2^(n-(n>>1)), each a normal number for
	// n in [-150, 128], so that subnormal results round only once.
	ni := f.s.vec()
	VCVTTPS2DQ(n, ni)
	n1 := f.s.vec()
	VPSRAD(U8(1), ni, n1)
	VPSUBD(n1, ni, ni)
	bias := cf("i127", math.Float32frombits(127))
	VPADDD(bias, n1, n1)
	VPADDD(bias, ni, ni)
	VPSLLD(U8(23), n1, n1)
	VPSLLD(U8(23), ni, ni)
	VMULPS(n1, p, p)
	VMULPS(ni, p, p)
	return p
}

// Coefficients of erfc(t) = exp(-t²)·u·Q(u), u = 1/(1+0.4t), t ≥ 0
// (degree 9, relative error of the fit 9.3e-9).
var erfcPoly = []float32{2.257034292e-01, 2.250203829e-01, 2.143455768e-01, 1.323796618e-01, 2.641928852e-01, -2.695911578e-01, 5.295520981e-01, -4.853206375e-01, 1.922446516e-01, -2.852688113e-02}

// Coefficients of tanh(y) = y + y³·P(y²) for |y| ≤ 0.625 (degree 4,
// relative error of the fit 4.4e-9).
var tanhPoly = []float32{-3.333328223e-01, 1.333144865e-01, -5.374018391e-02, 2.064045695e-02, -5.706382659e-03}

// recip returns 1/d: on AVX-512 an estimate (VRCP14PS, 14 bits) refined
// by one Newton step to about 1 ulp, cheaper than a division; on AVX2 a
// division. d must be finite and non-zero on AVX-512.
func (f *g) recip(d reg.VecVirtual) reg.VecVirtual {
	r := f.s.vec()
	if !f.s.avx512 {
		VMOVUPS(cf("one", 1), r)
		VDIVPS(d, r, r)
		return r
	}
	VRCP14PS(d, r)
	e := f.c(cf("one", 1))
	VFNMADD231PS(d, r, e) // e = 1 - r·d
	VFMADD231PS(r, e, r)  // r += r·e
	return r
}

// minc returns min(x, c) for a constant c, passing a NaN x through.
func (f *g) minc(x reg.VecVirtual, name string, c float32) reg.VecVirtual {
	lim := f.c(cf(name, c))
	VMINPS(x, lim, lim)
	return lim
}

func (f *g) abs(x reg.VecVirtual) reg.VecVirtual {
	a := f.s.vec()
	f.bc(VANDPS, VANDPS_BCST, constant("absmask", 0x7fffffff), x, a)
	return a
}

// tanh returns tanh(x): a polynomial for |x| < 0.625, 1 - 2/(e^{2|x|}+1)
// with the sign of x above.
func (f *g) tanh(x reg.VecVirtual) reg.VecVirtual {
	ax := f.abs(x)
	// Large: 1 - 2/(e^{2|x|}+1), with |x| clamped at 10 where tanh rounds
	// to 1 (so that e stays finite).
	t := f.minc(ax, "tanhclamp", 10)
	VADDPS(t, t, t)
	e := f.exp(t)
	f.bc(VADDPS, VADDPS_BCST, cf("one", 1), e, e)
	e = f.recip(e)
	VADDPS(e, e, e) // 2/(e+1)
	one := f.c(cf("one", 1))
	VSUBPS(e, one, e) // 1 - 2/(e+1)
	// Restore the sign.
	sgn := f.s.vec()
	f.bc(VANDPS, VANDPS_BCST, constant("signmask", 0x80000000), x, sgn)
	VORPS(sgn, e, e)
	// Small: x + x³·P(x²).
	z := f.s.vec()
	VMULPS(x, x, z)
	p := f.horner(z, "tanh", tanhPoly)
	VMULPS(z, p, p)
	VFMADD213PS(x, x, p) // p = p·x + x
	// Select by |x| < 0.625.
	lim := f.c(cf("tanhlim", 0.625))
	if f.s.avx512 {
		k := K()
		VCMPPS(U8(1), lim, ax, k) // |x| < 0.625 (LT_OS)
		VBLENDMPS(p, e, k, e)
	} else {
		m := f.s.vec()
		VCMPPS(U8(1), lim, ax, m)
		VBLENDVPS(m, p, e, e)
	}
	return e
}

// halfErfc returns 0.5·erfc(t) for t = |x|/√2 and, when withExp is set,
// also e^{-x²/2}.
func (f *g) halfErfc(x reg.VecVirtual) (h, e reg.VecVirtual) {
	// With t = |x|/√2: 1 + 0.4t = 1 + (0.4/√2)|x| and -t² = -x²/2, so t
	// itself is never formed. |x| is clamped at 14.85 (t = 10.5), where
	// erfc is below the float32 range (a NaN passes through).
	ax := f.minc(f.abs(x), "erfcclamp", 14.85)
	d := f.c(cf("one", 1))
	f.bc(VFMADD231PS, VFMADD231PS_BCST, cf("erfcc", float32(0.4/math.Sqrt2)), ax, d)
	u := f.recip(d)
	half := make([]float32, len(erfcPoly)) // 0.5·Q: the ½ of ½·erfc, exactly
	for i, c := range erfcPoly {
		half[i] = c / 2
	}
	q := f.horner(u, "herfc", half)
	VMULPS(u, q, q)
	// e^{-x²/2}
	nt := f.s.vec()
	VMULPS(ax, ax, nt)
	f.bc(VMULPS, VMULPS_BCST, cf("mhalf", -0.5), nt, nt)
	e = f.expArg(nt, true)
	h = f.s.vec()
	VMULPS(e, q, h)
	return h, e
}

// phi returns Φ(x), the standard normal distribution function, from
// h = 0.5·erfc(|x|/√2): h for x < 0, 1-h otherwise.
func (f *g) phi(x, h reg.VecVirtual) reg.VecVirtual {
	one := f.c(cf("one", 1))
	p := f.s.vec()
	VSUBPS(h, one, p) // 1 - h
	zero := f.zero()
	if f.s.avx512 {
		k := K()
		VCMPPS(U8(1), zero, x, k) // x < 0
		VBLENDMPS(h, p, k, p)
	} else {
		m := f.s.vec()
		VCMPPS(U8(1), zero, x, m)
		VBLENDVPS(m, h, p, p)
	}
	return p
}

// sigmoid2 returns x/(1+e^{-2y}) = x·(1+tanh y)/2 for GELU's tanh form.
func (f *g) geluTanhParts(x reg.VecVirtual) (y, s reg.VecVirtual) {
	// y = √(2/π)·(x + 0.044715x³)
	x2 := f.s.vec()
	VMULPS(x, x, x2)
	y = f.c(cf("gk", 0.044715))
	f.bc(VFMADD213PS, VFMADD213PS_BCST, cf("one", 1), x2, y) // 1 + 0.044715x²
	VMULPS(x, y, y)
	f.bc(VMULPS, VMULPS_BCST, cf("s2pi", float32(math.Sqrt(2/math.Pi))), y, y)
	// s = 1/(1+e^{-2y}), with -2y clamped at 87 so that e stays finite
	// (s is then below 1.7e-38 and x·s within 1e-36 of the true value).
	m2y := f.s.vec()
	f.bc(VMULPS, VMULPS_BCST, cf("mtwo", -2), y, m2y)
	m2y = f.minc(m2y, "sigclamp", 87)
	e := f.exp(m2y)
	f.bc(VADDPS, VADDPS_BCST, cf("one", 1), e, e)
	s = f.recip(e)
	return y, s
}

// ---- kernels ----

func dot(s isa) {
	f := newG(s, "dot"+s.name, "func(x, y *float32, n int) float32")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	acc := []reg.VecVirtual{f.zero(), f.zero(), f.zero(), f.zero()}
	f.loop(n, []reg.Register{x, y}, 4, func(k int) {
		for i := 0; i < k; i++ {
			a := f.load(x, i*s.vbytes())
			b := f.load(y, i*s.vbytes())
			VFMADD231PS(a, b, acc[i])
		}
	})
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	r := f.hsum(acc[0])
	VMOVSS(r, returnAddr(0))
	f.ret()
}

func sum(s isa) {
	f := newG(s, "sum"+s.name, "func(x *float32, n int) float32")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	acc := []reg.VecVirtual{f.zero(), f.zero(), f.zero(), f.zero()}
	f.loop(n, []reg.Register{x}, 4, func(k int) {
		for i := 0; i < k; i++ {
			VADDPS(f.load(x, i*s.vbytes()), acc[i], acc[i])
		}
	})
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	VMOVSS(f.hsum(acc[0]), returnAddr(0))
	f.ret()
}

// maxInto emits a max reduction over x into acc (NaNs may be dropped).
func (f *g) maxLoop(x reg.Register, n reg.GPVirtual, acc []reg.VecVirtual, nan reg.VecVirtual) {
	s := f.s
	f.loop(n, []reg.Register{x}, len(acc), func(k int) {
		for i := 0; i < k; i++ {
			v := f.loadFill(x, i*s.vbytes(), constant("neginf", 0xff800000))
			if nan != nil {
				if s.avx512 {
					k := K()
					VCMPPS(U8(3), v, v, k) // unordered: v is NaN
					VPORD(v, nan, k, nan)  // keep a NaN seen in any lane
				} else {
					u := s.vec()
					VCMPPS(U8(3), v, v, u)
					VANDPS(v, u, u)
					VORPS(u, nan, nan)
				}
			}
			VMAXPS(v, acc[i], acc[i])
		}
	})
}

func maxf(s isa) {
	f := newG(s, "max"+s.name, "func(x *float32, n int) float32")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	acc := []reg.VecVirtual{f.c(constant("neginf", 0xff800000)), f.c(constant("neginf", 0xff800000))}
	nan := f.zero()
	f.maxLoop(x, n, acc, nan)
	VMAXPS(acc[1], acc[0], acc[0])
	r := f.hmax(acc[0])
	// A NaN anywhere makes the result NaN: nan holds the NaN inputs
	// (zero elsewhere); adding its lanes gives NaN or 0.
	h := f.hsum(nan)
	VADDSS(h, r, r)
	VMOVSS(r, returnAddr(0))
	f.ret()
}

func axpy(s isa) {
	f := newG(s, "axpy"+s.name, "func(a float32, x, y *float32, n int)")
	a := f.bcast("a")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{x, y}, 4, func(k int) {
		for i := 0; i < k; i++ {
			yv := f.load(y, i*s.vbytes())
			VFMADD231PS(f.load(x, i*s.vbytes()), a, yv)
			f.store(yv, y, i*s.vbytes())
		}
	})
	f.ret()
}

// unary writes dst[i] = op(x[i]) with an op of one vector.
func unary(s isa, name, extra string, u int, op func(f *g, x reg.VecVirtual) reg.VecVirtual) {
	sig := "func(dst, x *float32, n int" + extra + ")"
	f := newG(s, name+s.name, sig)
	dst := Load(Param("dst"), GP64())
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{dst, x}, u, func(k int) {
		for i := 0; i < k; i++ {
			f.store(op(f, f.load(x, i*s.vbytes())), dst, i*s.vbytes())
		}
	})
	f.ret()
}

// binary writes dst[i] = op(x[i], y[i]).
func binary(s isa, name string, u int, op func(f *g, x, y reg.VecVirtual) reg.VecVirtual) {
	f := newG(s, name+s.name, "func(dst, x, y *float32, n int)")
	dst := Load(Param("dst"), GP64())
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{dst, x, y}, u, func(k int) {
		for i := 0; i < k; i++ {
			f.store(op(f, f.load(x, i*s.vbytes()), f.load(y, i*s.vbytes())), dst, i*s.vbytes())
		}
	})
	f.ret()
}

func scalarOps(s isa) {
	// scale: dst = a·x; addScalar: dst = x + a.
	for _, op := range []struct {
		name string
		fn   func(a, x, d reg.VecVirtual)
	}{
		{"scale", func(a, x, d reg.VecVirtual) { VMULPS(a, x, d) }},
		{"addScalar", func(a, x, d reg.VecVirtual) { VADDPS(a, x, d) }},
	} {
		f := newG(s, op.name+s.name, "func(dst, x *float32, a float32, n int)")
		a := f.bcast("a")
		dst := Load(Param("dst"), GP64())
		x := Load(Param("x"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.loop(n, []reg.Register{dst, x}, 4, func(k int) {
			for i := 0; i < k; i++ {
				v := f.load(x, i*s.vbytes())
				op.fn(a, v, v)
				f.store(v, dst, i*s.vbytes())
			}
		})
		f.ret()
	}
}

func elementwise(s isa) {
	binary(s, "add", 4, func(f *g, x, y reg.VecVirtual) reg.VecVirtual { VADDPS(y, x, x); return x })
	binary(s, "sub", 4, func(f *g, x, y reg.VecVirtual) reg.VecVirtual { VSUBPS(y, x, x); return x })
	binary(s, "mul", 4, func(f *g, x, y reg.VecVirtual) reg.VecVirtual { VMULPS(y, x, x); return x })
	u := 2
	if !s.avx512 {
		u = 1
	}
	unary(s, "exp", "", u, func(f *g, x reg.VecVirtual) reg.VecVirtual { return f.exp(x) })
	unary(s, "tanh", "", u, func(f *g, x reg.VecVirtual) reg.VecVirtual { return f.tanh(x) })
	unary(s, "gelu", "", u, func(f *g, x reg.VecVirtual) reg.VecVirtual {
		h, _ := f.halfErfc(x)
		p := f.phi(x, h)
		VMULPS(x, p, p)
		return p
	})
	unary(s, "geluTanh", "", u, func(f *g, x reg.VecVirtual) reg.VecVirtual {
		_, sg := f.geluTanhParts(x)
		VMULPS(x, sg, sg)
		return sg
	})
	// dx = dy·(Φ(x) + x·φ(x)), φ(x) = e^{-x²/2}/√(2π).
	geluBack := func(name string, grad func(f *g, x reg.VecVirtual) reg.VecVirtual) {
		f := newG(s, name+s.name, "func(dx, x, dy *float32, n int)")
		dx := Load(Param("dx"), GP64())
		x := Load(Param("x"), GP64())
		dy := Load(Param("dy"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.loop(n, []reg.Register{dx, x, dy}, u, func(k int) {
			for i := 0; i < k; i++ {
				d := grad(f, f.load(x, i*s.vbytes()))
				VMULPS(f.load(dy, i*s.vbytes()), d, d)
				f.store(d, dx, i*s.vbytes())
			}
		})
		f.ret()
	}
	geluBack("geluBackward", func(f *g, x reg.VecVirtual) reg.VecVirtual {
		h, e := f.halfErfc(x)
		p := f.phi(x, h)
		f.bc(VMULPS, VMULPS_BCST, cf("rsqrt2pi", float32(1/math.Sqrt(2*math.Pi))), e, e)
		VFMADD231PS(x, e, p) // Φ + x·φ
		return p
	})
	// d/dx [x·s(y)] with s = 1/(1+e^{-2y}): s + x·2s(1-s)·y', y' = √(2/π)(1+3·0.044715x²).
	geluBack("geluTanhBackward", func(f *g, x reg.VecVirtual) reg.VecVirtual {
		_, sg := f.geluTanhParts(x)
		d := f.s.vec()
		VMULPS(x, x, d)
		f.bc(VMULPS, VMULPS_BCST, cf("gk3", 3*0.044715), d, d)
		f.bc(VADDPS, VADDPS_BCST, cf("one", 1), d, d)
		f.bc(VMULPS, VMULPS_BCST, cf("s2pi2", 2*float32(math.Sqrt(2/math.Pi))), d, d) // 2y'
		om := f.c(cf("one", 1))
		VSUBPS(sg, om, om) // 1-s
		VMULPS(sg, om, om) // s(1-s)
		VMULPS(om, d, d)
		VMULPS(x, d, d)
		VADDPS(sg, d, d)
		return d
	})
}

// expShiftSum: dst = exp(x - shift), returns the sum of dst.
func (f *g) expShiftSumLoop(dst, x reg.Register, n reg.GPVirtual, shift reg.VecVirtual, u int) reg.VecVirtual {
	s := f.s
	acc := make([]reg.VecVirtual, u)
	for i := range acc {
		acc[i] = f.zero()
	}
	f.loop(n, []reg.Register{dst, x}, u, func(k int) {
		for i := 0; i < k; i++ {
			v := f.load(x, i*s.vbytes())
			VSUBPS(shift, v, v)
			e := f.exp(v)
			f.active(e)
			VADDPS(e, acc[i], acc[i])
			f.store(e, dst, i*s.vbytes())
		}
	})
	for i := 1; i < u; i++ {
		VADDPS(acc[i], acc[0], acc[0])
	}
	return acc[0]
}

func softmax(s isa) {
	u := 2
	if !s.avx512 {
		u = 1
	}
	{
		f := newG(s, "expShiftSum"+s.name, "func(dst, x *float32, n int, shift float32) float32")
		sh := f.bcast("shift")
		dst := Load(Param("dst"), GP64())
		x := Load(Param("x"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		acc := f.expShiftSumLoop(dst, x, n, sh, u)
		VMOVSS(f.hsum(acc), returnAddr(0))
		f.ret()
	}
	{
		// softmaxRow: max, exp and sum, scale: three passes over a row
		// that stays in L1.
		f := newG(s, "softmaxRow"+s.name, "func(dst, x *float32, n int)")
		x := Load(Param("x"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		acc := []reg.VecVirtual{f.c(constant("neginf", 0xff800000)), f.c(constant("neginf", 0xff800000))}
		f.name = "softmaxRow" + s.name + "_max"
		f.maxLoop(x, n, acc, nil)
		VMAXPS(acc[1], acc[0], acc[0])
		m := f.hmax(acc[0])
		mv := s.vec()
		VBROADCASTSS(m, mv)

		f.name = "softmaxRow" + s.name + "_exp"
		dst := Load(Param("dst"), GP64())
		x2 := Load(Param("x"), GP64())
		n2 := Load(Param("n"), GP64()).(reg.GPVirtual)
		sumv := f.expShiftSumLoop(dst, x2, n2, mv, u)
		sx := f.hsum(sumv)
		one := XMM()
		VMOVSS(cf("one", 1), one)
		VDIVSS(sx, one, one)
		inv := s.vec()
		VBROADCASTSS(one, inv)

		f.name = "softmaxRow" + s.name + "_scale"
		d3 := Load(Param("dst"), GP64())
		n3 := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.loop(n3, []reg.Register{d3}, 4, func(k int) {
			for i := 0; i < k; i++ {
				v := f.load(d3, i*s.vbytes())
				VMULPS(inv, v, v)
				f.store(v, d3, i*s.vbytes())
			}
		})
		f.ret()
	}
	{
		// softmaxBackwardRow: dx = y·(dy - Σ y·dy).
		f := newG(s, "softmaxBackwardRow"+s.name, "func(dx, y, dy *float32, n int)")
		y := Load(Param("y"), GP64())
		dy := Load(Param("dy"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		acc := []reg.VecVirtual{f.zero(), f.zero()}
		f.name = "softmaxBackwardRow" + s.name + "_dot"
		f.loop(n, []reg.Register{y, dy}, 2, func(k int) {
			for i := 0; i < k; i++ {
				VFMADD231PS(f.load(y, i*s.vbytes()), f.load(dy, i*s.vbytes()), acc[i])
			}
		})
		VADDPS(acc[1], acc[0], acc[0])
		sx := f.hsum(acc[0])
		sv := s.vec()
		VBROADCASTSS(sx, sv)
		f.name = "softmaxBackwardRow" + s.name + "_dx"
		dx := Load(Param("dx"), GP64())
		y2 := Load(Param("y"), GP64())
		dy2 := Load(Param("dy"), GP64())
		n2 := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.loop(n2, []reg.Register{dx, y2, dy2}, 4, func(k int) {
			for i := 0; i < k; i++ {
				d := f.load(dy2, i*s.vbytes())
				VSUBPS(sv, d, d)
				VMULPS(f.load(y2, i*s.vbytes()), d, d)
				f.store(d, dx, i*s.vbytes())
			}
		})
		f.ret()
	}
}

// layerNorm writes the fused row kernels of layer normalisation.
func layerNorm(s isa) {
	{
		f := newG(s, "layerNormRow"+s.name, "func(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32)")
		// mean
		x := Load(Param("x"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		acc := []reg.VecVirtual{f.zero(), f.zero(), f.zero(), f.zero()}
		f.name = "layerNormRow" + s.name + "_sum"
		f.loop(n, []reg.Register{x}, 4, func(k int) {
			for i := 0; i < k; i++ {
				VADDPS(f.load(x, i*s.vbytes()), acc[i], acc[i])
			}
		})
		VADDPS(acc[1], acc[0], acc[0])
		VADDPS(acc[3], acc[2], acc[2])
		VADDPS(acc[2], acc[0], acc[0])
		total := f.hsum(acc[0])
		nf := XMM()
		nn := Load(Param("n"), GP64())
		VCVTSI2SSQ(nn, nf, nf)
		mean := XMM()
		VDIVSS(nf, total, mean)
		mv := s.vec()
		VBROADCASTSS(mean, mv)
		VMOVSS(mean, returnAddr(0))
		// variance: Σ (x-mean)² / n
		x2 := Load(Param("x"), GP64())
		n2 := Load(Param("n"), GP64()).(reg.GPVirtual)
		acc2 := []reg.VecVirtual{f.zero(), f.zero(), f.zero(), f.zero()}
		f.name = "layerNormRow" + s.name + "_var"
		f.loop(n2, []reg.Register{x2}, 4, func(k int) {
			for i := 0; i < k; i++ {
				d := f.load(x2, i*s.vbytes())
				VSUBPS(mv, d, d)
				f.active(d)
				VFMADD231PS(d, d, acc2[i])
			}
		})
		VADDPS(acc2[1], acc2[0], acc2[0])
		VADDPS(acc2[3], acc2[2], acc2[2])
		VADDPS(acc2[2], acc2[0], acc2[0])
		ss := f.hsum(acc2[0])
		nf2 := XMM()
		nn2 := Load(Param("n"), GP64())
		VCVTSI2SSQ(nn2, nf2, nf2)
		VDIVSS(nf2, ss, ss)
		VADDSS(paramAddr("eps"), ss, ss)
		VSQRTSS(ss, ss, ss)
		one := XMM()
		VMOVSS(cf("one", 1), one)
		VDIVSS(ss, one, one) // rstd
		VMOVSS(one, returnAddr(1))
		rv := s.vec()
		VBROADCASTSS(one, rv)
		// y = (x - mean)·rstd·gamma + beta
		dst := Load(Param("dst"), GP64())
		x3 := Load(Param("x"), GP64())
		gm := Load(Param("gamma"), GP64())
		bt := Load(Param("beta"), GP64())
		n3 := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.name = "layerNormRow" + s.name + "_out"
		f.loop(n3, []reg.Register{dst, x3, gm, bt}, 4, func(k int) {
			for i := 0; i < k; i++ {
				d := f.load(x3, i*s.vbytes())
				VSUBPS(mv, d, d)
				VMULPS(rv, d, d)
				b := f.load(bt, i*s.vbytes())
				VFMADD231PS(f.load(gm, i*s.vbytes()), d, b)
				f.store(b, dst, i*s.vbytes())
			}
		})
		f.ret()
	}
	{
		// Backward of one row, with xhat = (x-mean)·rstd and g = dy·gamma:
		//   dgamma += dy·xhat, dbeta += dy,
		//   dx = rstd·(g - mean(g) - xhat·mean(g·xhat)).
		f := newG(s, "layerNormBackwardRow"+s.name, "func(dx, dy, x, gamma *float32, n int, mean, rstd float32, dgamma, dbeta *float32)")
		mv := f.bcast("mean")
		rv := f.bcast("rstd")
		dy := Load(Param("dy"), GP64())
		x := Load(Param("x"), GP64())
		gm := Load(Param("gamma"), GP64())
		dg := Load(Param("dgamma"), GP64())
		db := Load(Param("dbeta"), GP64())
		n := Load(Param("n"), GP64()).(reg.GPVirtual)
		sg := []reg.VecVirtual{f.zero(), f.zero()}
		sgx := []reg.VecVirtual{f.zero(), f.zero()}
		f.name = "layerNormBackwardRow" + s.name + "_sums"
		f.loop(n, []reg.Register{dy, x, gm, dg, db}, 2, func(k int) {
			for i := 0; i < k; i++ {
				o := i * s.vbytes()
				xh := f.load(x, o)
				VSUBPS(mv, xh, xh)
				VMULPS(rv, xh, xh)
				d := f.load(dy, o)
				// parameter gradients
				a := f.load(dg, o)
				VFMADD231PS(d, xh, a)
				f.store(a, dg, o)
				b := f.load(db, o)
				VADDPS(d, b, b)
				f.store(b, db, o)
				// sums
				VMULPS(f.load(gm, o), d, d) // g
				VADDPS(d, sg[i], sg[i])
				f.active(xh)
				VFMADD231PS(d, xh, sgx[i])
			}
		})
		VADDPS(sg[1], sg[0], sg[0])
		VADDPS(sgx[1], sgx[0], sgx[0])
		a := f.hsum(sg[0])
		b := f.hsum(sgx[0])
		nf := XMM()
		nn := Load(Param("n"), GP64())
		VCVTSI2SSQ(nn, nf, nf)
		VDIVSS(nf, a, a)
		VDIVSS(nf, b, b)
		av := s.vec()
		VBROADCASTSS(a, av)
		bv := s.vec()
		VBROADCASTSS(b, bv)
		dx := Load(Param("dx"), GP64())
		dy2 := Load(Param("dy"), GP64())
		x2 := Load(Param("x"), GP64())
		gm2 := Load(Param("gamma"), GP64())
		n2 := Load(Param("n"), GP64()).(reg.GPVirtual)
		f.name = "layerNormBackwardRow" + s.name + "_dx"
		f.loop(n2, []reg.Register{dx, dy2, x2, gm2}, 2, func(k int) {
			for i := 0; i < k; i++ {
				o := i * s.vbytes()
				xh := f.load(x2, o)
				VSUBPS(mv, xh, xh)
				VMULPS(rv, xh, xh)
				d := f.load(dy2, o)
				VMULPS(f.load(gm2, o), d, d)
				VSUBPS(av, d, d)
				VFNMADD231PS(xh, bv, d) // d -= xhat·b
				VMULPS(rv, d, d)
				f.store(d, dx, o)
			}
		})
		f.ret()
	}
}

// adamw writes the AdamW update (PyTorch's formulation):
//
//	p -= lr·wd·p
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	p -= (lr/bc1)·m / (√v/√bc2 + eps)
//
// with the hyper-parameters in h: lr·wd, β1, 1-β1, β2, 1-β2, lr/bc1,
// 1/√bc2, eps.
func adamw(s isa) {
	f := newG(s, "adamw"+s.name, "func(p, grad, m, v *float32, n int, h *[8]float32)")
	h := Load(Param("h"), GP64())
	hp := make([]reg.VecVirtual, 8)
	for i := range hp {
		hp[i] = s.vec()
		VBROADCASTSS(Mem{Base: h, Disp: 4 * i}, hp[i])
	}
	p := Load(Param("p"), GP64())
	gr := Load(Param("grad"), GP64())
	m := Load(Param("m"), GP64())
	v := Load(Param("v"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{p, gr, m, v}, 1, func(k int) {
		for i := 0; i < k; i++ {
			o := i * s.vbytes()
			gv := f.load(gr, o)
			mv := f.load(m, o)
			VMULPS(hp[1], mv, mv)
			VFMADD231PS(hp[2], gv, mv) // m = β1·m + (1-β1)·g
			f.store(mv, m, o)
			vv := f.load(v, o)
			VMULPS(hp[3], vv, vv)
			VMULPS(gv, gv, gv)
			VFMADD231PS(hp[4], gv, vv) // v = β2·v + (1-β2)·g²
			f.store(vv, v, o)
			den := s.vec()
			VSQRTPS(vv, den)
			VMULPS(hp[6], den, den)
			VADDPS(hp[7], den, den)
			step := s.vec()
			VMULPS(hp[5], mv, step)
			VDIVPS(den, step, step)
			pv := f.load(p, o)
			VFNMADD231PS(hp[0], pv, pv) // p -= lr·wd·p
			VSUBPS(step, pv, pv)
			f.store(pv, p, o)
		}
	})
	f.ret()
}

// colSum64 adds rows rows of x, a float32 matrix with a row stride of ld
// elements, into the float64 accumulators acc: acc[j] += Σ_r x[r·ld + j]
// for j < n, n a multiple of 16 (the Go caller does the rest). The rows
// are converted to float64 and added two at a time into separate
// accumulators, so that a column sum is as exact as a float64 loop.
func colSum64(s isa) {
	f := newG(s, "colSum64"+s.name, "func(acc *float64, x *float32, n, rows, ld int)")
	acc := Load(Param("acc"), GP64())
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	rows := Load(Param("rows"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	// A chunk of 16 columns is 2 vectors of 8 doubles (AVX-512) or 4 of
	// 4 (AVX2); each is accumulated twice, for even and odd rows.
	parts := 2
	if !s.avx512 {
		parts = 4
	}
	half := 16 / parts // floats per part
	dvec := func() reg.VecVirtual {
		if s.avx512 {
			return ZMM()
		}
		return YMM()
	}
	Label(f.label("chunk"))
	CMPQ(n, U32(16))
	JL(LabelRef(f.label("end")))
	even, odd := make([]reg.VecVirtual, parts), make([]reg.VecVirtual, parts)
	for i := range parts {
		even[i], odd[i] = dvec(), dvec()
		VMOVUPD(Mem{Base: acc, Disp: 8 * half * i}, even[i])
		VXORPD(odd[i], odd[i], odd[i])
	}
	p := GP64()
	MOVQ(x, p)
	r := GP64()
	MOVQ(rows, r)
	Label(f.label("pair"))
	CMPQ(r, U32(2))
	JL(LabelRef(f.label("single")))
	for i := range parts {
		t, u := dvec(), dvec()
		VCVTPS2PD(Mem{Base: p, Disp: 4 * half * i}, t)
		VCVTPS2PD(Mem{Base: p, Index: ld, Scale: 1, Disp: 4 * half * i}, u)
		VADDPD(t, even[i], even[i])
		VADDPD(u, odd[i], odd[i])
	}
	LEAQ(Mem{Base: p, Index: ld, Scale: 2}, p)
	SUBQ(U32(2), r)
	JMP(LabelRef(f.label("pair")))
	Label(f.label("single"))
	TESTQ(r, r)
	JZ(LabelRef(f.label("store")))
	for i := range parts {
		t := dvec()
		VCVTPS2PD(Mem{Base: p, Disp: 4 * half * i}, t)
		VADDPD(t, even[i], even[i])
	}
	Label(f.label("store"))
	for i := range parts {
		VADDPD(odd[i], even[i], even[i])
		VMOVUPD(even[i], Mem{Base: acc, Disp: 8 * half * i})
	}
	ADDQ(U32(16*8), acc)
	ADDQ(U32(16*4), x)
	SUBQ(U32(16), n)
	JMP(LabelRef(f.label("chunk")))
	Label(f.label("end"))
	f.ret()
}

// gradStep is the update of one output row in negative sampling and
// hierarchical softmax (the embedding trainers): e += g·w, then w += g·h,
// reading w once.
func gradStep(s isa) {
	f := newG(s, "gradStep"+s.name, "func(a float32, h, w, e *float32, n int)")
	a := f.bcast("a")
	h := Load(Param("h"), GP64())
	w := Load(Param("w"), GP64())
	e := Load(Param("e"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{h, w, e}, 2, func(k int) {
		for i := 0; i < k; i++ {
			off := i * s.vbytes()
			wv := f.load(w, off)
			ev := f.load(e, off)
			VFMADD231PS(wv, a, ev)
			f.store(ev, e, off)
			VFMADD231PS(f.load(h, off), a, wv)
			f.store(wv, w, off)
		}
	})
	f.ret()
}

// adaGradPair is GloVe's AdaGrad step on a word row w1 and a context row
// w2 with their accumulated squared gradients g1 and g2, for a scaled
// error f: t1 = f·w2, t2 = f·w1 (old values), w1 -= t1/√g1,
// w2 -= t2/√g2, g1 += t1², g2 += t2². Square roots and quotients are
// correctly rounded, as Go's.
func adaGradPair(s isa) {
	f := newG(s, "adaGradPair"+s.name, "func(f float32, w1, w2, g1, g2 *float32, n int)")
	a := f.bcast("f")
	w1 := Load(Param("w1"), GP64())
	w2 := Load(Param("w2"), GP64())
	g1 := Load(Param("g1"), GP64())
	g2 := Load(Param("g2"), GP64())
	n := Load(Param("n"), GP64()).(reg.GPVirtual)
	f.loop(n, []reg.Register{w1, w2, g1, g2}, 1, func(k int) {
		for i := 0; i < k; i++ {
			off := i * s.vbytes()
			x1, x2 := f.load(w1, off), f.load(w2, off)
			q1, q2 := f.load(g1, off), f.load(g2, off)
			t1, t2 := s.vec(), s.vec()
			VMULPS(x2, a, t1)
			VMULPS(x1, a, t2)
			r1, r2 := s.vec(), s.vec()
			VSQRTPS(q1, r1)
			VSQRTPS(q2, r2)
			VDIVPS(r1, t1, r1)
			VDIVPS(r2, t2, r2)
			VSUBPS(r1, x1, x1)
			VSUBPS(r2, x2, x2)
			VFMADD231PS(t1, t1, q1)
			VFMADD231PS(t2, t2, q2)
			f.store(x1, w1, off)
			f.store(x2, w2, off)
			f.store(q1, g1, off)
			f.store(q2, g2, off)
		}
	})
	f.ret()
}

// prefetch asks for the cache lines of x[0:n] (n > 0) to be loaded.
func prefetch() {
	TEXT("prefetchAMD64", NOSPLIT, "func(x *float32, n int)")
	Pragma("noescape")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	end := GP64()
	LEAQ(Mem{Base: x, Index: n, Scale: 4}, end)
	Label("prefetch_loop")
	PREFETCHT0(Mem{Base: x})
	ADDQ(U32(64), x)
	CMPQ(x, end)
	JL(LabelRef("prefetch_loop"))
	RET()
}

func main() {
	ConstraintExpr("amd64,!purego")
	tailMask = GLOBL("tailmask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	for _, s := range []isa{avx512, avx2} {
		dot(s)
		sum(s)
		maxf(s)
		axpy(s)
		scalarOps(s)
		elementwise(s)
		softmax(s)
		layerNorm(s)
		adamw(s)
		colSum64(s)
		gradStep(s)
		adaGradPair(s)
	}
	prefetch()
	Generate()
}
