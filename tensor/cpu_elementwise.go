package tensor

import (
	"fmt"
	"math"
)

// blockLen is the length of the stack blocks into which strided runs are
// gathered before a row kernel runs on them.
const blockLen = 256

func gather[T any](dst, src []T, off, inc int) {
	switch inc {
	case 1:
		copy(dst, src[off:off+len(dst)])
	case 0:
		v := src[off]
		for i := range dst {
			dst[i] = v
		}
	default:
		for i := range dst {
			dst[i] = src[off]
			off += inc
		}
	}
}

func scatter[T any](dst []T, off, inc int, src []T) {
	if inc == 1 {
		copy(dst[off:off+len(src)], src)
		return
	}
	for _, v := range src {
		dst[off] = v
		off += inc
	}
}

func unsupported(op string, d DType) {
	panic(fmt.Sprintf("tensor: %s: dtype %s not supported on the CPU (cast to float32 first)", op, d))
}

func (cpu) Copy(dst, src View) {
	if dst.DType() != src.DType() {
		panic(fmt.Sprintf("tensor: Copy: dtypes %s and %s differ", dst.DType(), src.DType()))
	}
	switch dst.DType() {
	case Float32:
		copyStrided(f32s(dst), f32s(src), dst, src)
	case Float64:
		copyStrided(f64s(dst), f64s(src), dst, src)
	case Int32:
		copyStrided(i32s(dst), i32s(src), dst, src)
	default:
		copyStrided(u16s(dst), u16s(src), dst, src)
	}
}

func copyStrided[T any](d, s []T, dst, src View) {
	l := newLoop(dst.Shape, dst, src)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		if inc[0] == 1 {
			gather(d[off[0]:off[0]+n], s, off[1], inc[1])
			return
		}
		do, so := off[0], off[1]
		for range n {
			d[do] = s[so]
			do += inc[0]
			so += inc[1]
		}
	})
}

func (cpu) Fill(dst View, v float64) {
	l := newLoop(dst.Shape, dst)
	_, inc := l.inner()
	fill := func(run func(o, n int)) {
		l.run(elemGrain, func(off *[maxOperands]int, n int) { run(off[0], n) })
	}
	switch dst.DType() {
	case Float32:
		d, x := f32s(dst), float32(v)
		fill(func(o, n int) { fillRun(d, o, inc[0], n, x) })
	case Float64:
		d := f64s(dst)
		fill(func(o, n int) { fillRun(d, o, inc[0], n, v) })
	case Int32:
		d, x := i32s(dst), int32(v)
		fill(func(o, n int) { fillRun(d, o, inc[0], n, x) })
	case Float16:
		d, x := u16s(dst), Float32ToFloat16(float32(v))
		fill(func(o, n int) { fillRun(d, o, inc[0], n, x) })
	case BFloat16:
		d, x := u16s(dst), Float32ToBFloat16(float32(v))
		fill(func(o, n int) { fillRun(d, o, inc[0], n, x) })
	}
}

func fillRun[T any](d []T, off, inc, n int, v T) {
	if inc == 1 {
		s := d[off : off+n]
		for i := range s {
			s[i] = v
		}
		return
	}
	for range n {
		d[off] = v
		off += inc
	}
}

// Cast converts through float64 blocks; every dtype converts exactly into
// float64, so a conversion rounds once, at the store.
func (cpu) Cast(dst, src View) {
	l := newLoop(dst.Shape, dst, src)
	_, inc := l.inner()
	load := loader(src)
	store := storer(dst)
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		var buf [blockLen]float64
		for i := 0; i < n; i += blockLen {
			m := min(blockLen, n-i)
			load(buf[:m], off[1]+i*inc[1], inc[1])
			store(buf[:m], off[0]+i*inc[0], inc[0])
		}
	})
}

func loader(v View) func(dst []float64, off, inc int) {
	switch v.DType() {
	case Float32:
		s := f32s(v)
		return func(dst []float64, off, inc int) {
			for i := range dst {
				dst[i] = float64(s[off+i*inc])
			}
		}
	case Float64:
		s := f64s(v)
		return func(dst []float64, off, inc int) { gather(dst, s, off, inc) }
	case Int32:
		s := i32s(v)
		return func(dst []float64, off, inc int) {
			for i := range dst {
				dst[i] = float64(s[off+i*inc])
			}
		}
	case Float16:
		s := u16s(v)
		return func(dst []float64, off, inc int) {
			for i := range dst {
				dst[i] = float64(Float16ToFloat32(s[off+i*inc]))
			}
		}
	case BFloat16:
		s := u16s(v)
		return func(dst []float64, off, inc int) {
			for i := range dst {
				dst[i] = float64(BFloat16ToFloat32(s[off+i*inc]))
			}
		}
	}
	panic(fmt.Sprintf("tensor: Cast: unknown dtype %v", v.DType()))
}

func storer(v View) func(src []float64, off, inc int) {
	switch v.DType() {
	case Float32:
		d := f32s(v)
		return func(src []float64, off, inc int) {
			for i, x := range src {
				d[off+i*inc] = float32(x)
			}
		}
	case Float64:
		d := f64s(v)
		return func(src []float64, off, inc int) { scatter(d, off, inc, src) }
	case Int32:
		d := i32s(v)
		return func(src []float64, off, inc int) {
			for i, x := range src {
				if x != x {
					x = 0
				}
				d[off+i*inc] = int32(math.Trunc(max(min(x, math.MaxInt32), math.MinInt32)))
			}
		}
	case Float16:
		d := u16s(v)
		return func(src []float64, off, inc int) {
			for i, x := range src {
				d[off+i*inc] = float64ToFloat16(x)
			}
		}
	case BFloat16:
		d := u16s(v)
		return func(src []float64, off, inc int) {
			for i, x := range src {
				d[off+i*inc] = float64ToBFloat16(x)
			}
		}
	}
	panic(fmt.Sprintf("tensor: Cast: unknown dtype %v", v.DType()))
}

// float64ToFloat16 rounds once: through float32 only when that is exact
// enough not to double-round (float32 keeps 13 more bits than float16, and
// a float64 that needs them is rounded to odd first).
func float64ToFloat16(x float64) uint16 { return Float32ToFloat16(roundToOdd32(x)) }

func float64ToBFloat16(x float64) uint16 { return Float32ToBFloat16(roundToOdd32(x)) }

// roundToOdd32 converts x to float32 by truncation, setting the last bit
// when inexact (round to odd), so that a second rounding to a narrower
// format gives the correctly rounded result.
func roundToOdd32(x float64) float32 {
	f := float32(x)
	if float64(f) == x || x != x || math.IsInf(float64(f), 0) {
		return f
	}
	// Truncate toward zero.
	if math.Abs(float64(f)) > math.Abs(x) {
		f = math.Float32frombits(math.Float32bits(f) - 1)
	}
	return math.Float32frombits(math.Float32bits(f) | 1)
}

func (cpu) Unary(op UnaryOp, dst, x View, p UnaryParams) {
	switch dst.DType() {
	case Float32:
		if vecUnary(op, dst, x) {
			return
		}
		unaryStrided[float32](op, p, dst, x)
	case Float64:
		unaryStrided[float64](op, p, dst, x)
	default:
		unsupported("Unary "+op.String(), dst.DType())
	}
}

func unaryStrided[T float](op UnaryOp, p UnaryParams, dst, x View) {
	l := newLoop(dst.Shape, dst, x)
	d, s := data[T](dst), data[T](x)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		if inc[0] == 1 && inc[1] == 1 {
			unaryRow(op, p, d[off[0]:off[0]+n], s[off[1]:off[1]+n])
			return
		}
		var tx, td [blockLen]T
		for i := 0; i < n; i += blockLen {
			m := min(blockLen, n-i)
			gather(tx[:m], s, off[1]+i*inc[1], inc[1])
			unaryRow(op, p, td[:m], tx[:m])
			scatter(d, off[0]+i*inc[0], inc[0], td[:m])
		}
	})
}

func (cpu) UnaryGrad(op UnaryOp, dx, x, y, dy View, p UnaryParams) {
	switch dx.DType() {
	case Float32:
		if vecUnaryGrad(op, dx, x, dy) {
			return
		}
		unaryGradStrided[float32](op, p, dx, x, y, dy)
	case Float64:
		unaryGradStrided[float64](op, p, dx, x, y, dy)
	default:
		unsupported("UnaryGrad "+op.String(), dx.DType())
	}
}

func unaryGradStrided[T float](op UnaryOp, p UnaryParams, dx, x, y, dy View) {
	l := newLoop(dx.Shape, dx, x, y, dy)
	d, xs, ys, gs := data[T](dx), data[T](x), data[T](y), data[T](dy)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		if inc[0] == 1 && inc[1] == 1 && inc[2] == 1 && inc[3] == 1 {
			unaryGradRow(op, p, d[off[0]:off[0]+n], xs[off[1]:off[1]+n], ys[off[2]:off[2]+n], gs[off[3]:off[3]+n])
			return
		}
		var tx, ty, tg, td [blockLen]T
		for i := 0; i < n; i += blockLen {
			m := min(blockLen, n-i)
			gather(tx[:m], xs, off[1]+i*inc[1], inc[1])
			gather(ty[:m], ys, off[2]+i*inc[2], inc[2])
			gather(tg[:m], gs, off[3]+i*inc[3], inc[3])
			unaryGradRow(op, p, td[:m], tx[:m], ty[:m], tg[:m])
			scatter(d, off[0]+i*inc[0], inc[0], td[:m])
		}
	})
}

func (cpu) Binary(op BinaryOp, dst, a, b View) {
	switch dst.DType() {
	case Float32:
		if vecBinary(op, dst, a, b) {
			return
		}
		binaryStrided[float32](op, dst, a, b)
	case Float64:
		binaryStrided[float64](op, dst, a, b)
	case Int32:
		if op == OpDiv || op == OpPowT {
			unsupported("Binary "+op.String(), Int32)
		}
		binaryStrided[int32](op, dst, a, b)
	default:
		unsupported("Binary "+op.String(), dst.DType())
	}
}

func binaryStrided[T number](op BinaryOp, dst, a, b View) {
	l := newLoop(dst.Shape, dst, a, b)
	d, as, bs := data[T](dst), data[T](a), data[T](b)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		if inc[0] == 1 && inc[1] == 1 && inc[2] == 1 {
			binaryRow(op, d[off[0]:off[0]+n], as[off[1]:off[1]+n], bs[off[2]:off[2]+n])
			return
		}
		var ta, tb, td [blockLen]T
		for i := 0; i < n; i += blockLen {
			m := min(blockLen, n-i)
			gather(ta[:m], as, off[1]+i*inc[1], inc[1])
			gather(tb[:m], bs, off[2]+i*inc[2], inc[2])
			binaryRow(op, td[:m], ta[:m], tb[:m])
			scatter(d, off[0]+i*inc[0], inc[0], td[:m])
		}
	})
}

func (cpu) BinaryGrad(op BinaryOp, da, db, a, b, y, dy View) {
	switch dy.DType() {
	case Float32:
		binaryGradStrided[float32](op, da, db, a, b, y, dy)
	case Float64:
		binaryGradStrided[float64](op, da, db, a, b, y, dy)
	default:
		unsupported("BinaryGrad "+op.String(), dy.DType())
	}
}

func binaryGradStrided[T float](op BinaryOp, da, db, a, b, y, dy View) {
	hasA, hasB := da.Valid(), db.Valid()
	if !hasA && !hasB {
		return
	}
	if !hasA {
		da = dy
	}
	if !hasB {
		db = dy
	}
	l := newLoop(dy.Shape, dy, a, b, y, da, db)
	gs, as, bs, ys, das, dbs := data[T](dy), data[T](a), data[T](b), data[T](y), data[T](da), data[T](db)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		var tg, ta, tb, ty, tda, tdb [blockLen]T
		for i := 0; i < n; i += blockLen {
			m := min(blockLen, n-i)
			gather(tg[:m], gs, off[0]+i*inc[0], inc[0])
			gather(ta[:m], as, off[1]+i*inc[1], inc[1])
			gather(tb[:m], bs, off[2]+i*inc[2], inc[2])
			gather(ty[:m], ys, off[3]+i*inc[3], inc[3])
			var pa, pb []T
			if hasA {
				pa = tda[:m]
			}
			if hasB {
				pb = tdb[:m]
			}
			binaryGradRow(op, pa, pb, ta[:m], tb[:m], ty[:m], tg[:m])
			if hasA {
				scatter(das, off[4]+i*inc[4], inc[4], pa)
			}
			if hasB {
				scatter(dbs, off[5]+i*inc[5], inc[5], pb)
			}
		}
	})
}

func (cpu) Where(dst, cond, a, b View) {
	switch dst.DType() {
	case Float32:
		whereCond[float32](dst, cond, a, b)
	case Float64:
		whereCond[float64](dst, cond, a, b)
	case Int32:
		whereCond[int32](dst, cond, a, b)
	default:
		unsupported("Where", dst.DType())
	}
}

func whereCond[T number](dst, cond, a, b View) {
	switch cond.DType() {
	case Float32:
		whereStrided[T, float32](dst, cond, a, b)
	case Float64:
		whereStrided[T, float64](dst, cond, a, b)
	case Int32:
		whereStrided[T, int32](dst, cond, a, b)
	default:
		unsupported("Where (condition)", cond.DType())
	}
}

func whereStrided[T, C number](dst, cond, a, b View) {
	l := newLoop(dst.Shape, dst, cond, a, b)
	d, cs, as, bs := data[T](dst), data[C](cond), data[T](a), data[T](b)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		do, co, ao, bo := off[0], off[1], off[2], off[3]
		for range n {
			if cs[co] != 0 {
				d[do] = as[ao]
			} else {
				d[do] = bs[bo]
			}
			do += inc[0]
			co += inc[1]
			ao += inc[2]
			bo += inc[3]
		}
	})
}
