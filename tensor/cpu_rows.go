package tensor

import (
	"fmt"
	"math"
)

// This file holds the CPU backend's elementwise kernels over plain,
// contiguous rows: the functions that vectorised kernels replace. The
// strided drivers in cpu_elementwise.go call them on runs of contiguous
// elements (or on gathered copies of strided runs).

type float interface{ float32 | float64 }

type number interface{ float32 | float64 | int32 }

const (
	sqrt2     = math.Sqrt2
	invSqrt2  = 1 / math.Sqrt2
	invSqrt2π = 0.3989422804014327 // 1/√(2π)
	geluBeta  = 0.7978845608028654 // √(2/π)
	geluKappa = 0.044715
)

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// unaryRow sets dst[i] = op(x[i]).
func unaryRow[T float](op UnaryOp, p UnaryParams, dst, x []T) {
	x = x[:len(dst)]
	switch op {
	case OpNeg:
		for i, v := range x {
			dst[i] = -v
		}
	case OpExp:
		for i, v := range x {
			dst[i] = T(math.Exp(float64(v)))
		}
	case OpLog:
		for i, v := range x {
			dst[i] = T(math.Log(float64(v)))
		}
	case OpSqrt:
		for i, v := range x {
			dst[i] = T(math.Sqrt(float64(v)))
		}
	case OpRsqrt:
		for i, v := range x {
			dst[i] = T(1 / math.Sqrt(float64(v)))
		}
	case OpAbs:
		for i, v := range x {
			dst[i] = T(math.Abs(float64(v)))
		}
	case OpTanh:
		for i, v := range x {
			dst[i] = T(math.Tanh(float64(v)))
		}
	case OpSigmoid:
		for i, v := range x {
			dst[i] = T(sigmoid64(float64(v)))
		}
	case OpReLU:
		for i, v := range x {
			if v > 0 || v != v {
				dst[i] = v
			} else {
				dst[i] = 0
			}
		}
	case OpGELU:
		for i, v := range x {
			f := float64(v)
			dst[i] = T(0.5 * f * (1 + math.Erf(f*invSqrt2)))
		}
	case OpGELUTanh:
		for i, v := range x {
			f := float64(v)
			dst[i] = T(0.5 * f * (1 + math.Tanh(geluBeta*(f+geluKappa*f*f*f))))
		}
	case OpSiLU:
		for i, v := range x {
			f := float64(v)
			dst[i] = T(f * sigmoid64(f))
		}
	case OpSin:
		for i, v := range x {
			dst[i] = T(math.Sin(float64(v)))
		}
	case OpCos:
		for i, v := range x {
			dst[i] = T(math.Cos(float64(v)))
		}
	case OpSquare:
		for i, v := range x {
			dst[i] = v * v
		}
	case OpReciprocal:
		for i, v := range x {
			dst[i] = 1 / v
		}
	case OpPow:
		e := p.A
		switch e {
		case 1:
			copy(dst, x)
		case 2:
			for i, v := range x {
				dst[i] = v * v
			}
		default:
			for i, v := range x {
				dst[i] = T(math.Pow(float64(v), e))
			}
		}
	case OpClamp:
		lo, hi := p.A, p.B
		for i, v := range x {
			f := float64(v)
			switch {
			case f < lo:
				dst[i] = T(lo)
			case f > hi:
				dst[i] = T(hi)
			default:
				dst[i] = v
			}
		}
	case OpAffine:
		a, b := p.A, p.B
		for i, v := range x {
			dst[i] = T(a*float64(v) + b)
		}
	default:
		panic(fmt.Sprintf("tensor: Unary: unknown op %v", op))
	}
}

// unaryGradRow sets dx[i] = dy[i]·op'(x[i]) (y = op(x)).
func unaryGradRow[T float](op UnaryOp, p UnaryParams, dx, x, y, dy []T) {
	n := len(dx)
	x, y, dy = x[:n], y[:n], dy[:n]
	switch op {
	case OpNeg:
		for i, g := range dy {
			dx[i] = -g
		}
	case OpExp:
		for i, g := range dy {
			dx[i] = g * y[i]
		}
	case OpLog:
		for i, g := range dy {
			dx[i] = g / x[i]
		}
	case OpSqrt:
		for i, g := range dy {
			dx[i] = g / (2 * y[i])
		}
	case OpRsqrt:
		for i, g := range dy {
			r := y[i]
			dx[i] = -0.5 * g * r * r * r
		}
	case OpAbs:
		for i, g := range dy {
			switch v := x[i]; {
			case v > 0:
				dx[i] = g
			case v < 0:
				dx[i] = -g
			default:
				dx[i] = 0
			}
		}
	case OpTanh:
		for i, g := range dy {
			t := y[i]
			dx[i] = g * (1 - t*t)
		}
	case OpSigmoid:
		for i, g := range dy {
			s := y[i]
			dx[i] = g * s * (1 - s)
		}
	case OpReLU:
		for i, g := range dy {
			if y[i] > 0 {
				dx[i] = g
			} else {
				dx[i] = 0
			}
		}
	case OpGELU:
		for i, g := range dy {
			f := float64(x[i])
			cdf := 0.5 * (1 + math.Erf(f*invSqrt2))
			pdf := invSqrt2π * math.Exp(-0.5*f*f)
			dx[i] = T(float64(g) * (cdf + f*pdf))
		}
	case OpGELUTanh:
		for i, g := range dy {
			f := float64(x[i])
			t := math.Tanh(geluBeta * (f + geluKappa*f*f*f))
			d := 0.5*(1+t) + 0.5*f*(1-t*t)*geluBeta*(1+3*geluKappa*f*f)
			dx[i] = T(float64(g) * d)
		}
	case OpSiLU:
		for i, g := range dy {
			f := float64(x[i])
			s := sigmoid64(f)
			dx[i] = T(float64(g) * s * (1 + f*(1-s)))
		}
	case OpSin:
		for i, g := range dy {
			dx[i] = T(float64(g) * math.Cos(float64(x[i])))
		}
	case OpCos:
		for i, g := range dy {
			dx[i] = T(-float64(g) * math.Sin(float64(x[i])))
		}
	case OpSquare:
		for i, g := range dy {
			dx[i] = 2 * x[i] * g
		}
	case OpReciprocal:
		for i, g := range dy {
			r := y[i]
			dx[i] = -g * r * r
		}
	case OpPow:
		e := p.A
		for i, g := range dy {
			switch e {
			case 0:
				dx[i] = 0
			case 1:
				dx[i] = g
			case 2:
				dx[i] = 2 * x[i] * g
			default:
				dx[i] = T(float64(g) * e * math.Pow(float64(x[i]), e-1))
			}
		}
	case OpClamp:
		lo, hi := p.A, p.B
		for i, g := range dy {
			if f := float64(x[i]); f >= lo && f <= hi {
				dx[i] = g
			} else {
				dx[i] = 0
			}
		}
	case OpAffine:
		a := T(p.A)
		for i, g := range dy {
			dx[i] = a * g
		}
	default:
		panic(fmt.Sprintf("tensor: UnaryGrad: unknown op %v", op))
	}
}

// binaryRow sets dst[i] = op(a[i], b[i]).
func binaryRow[T number](op BinaryOp, dst, a, b []T) {
	n := len(dst)
	a, b = a[:n], b[:n]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	case OpMaximum:
		for i := range dst {
			x, y := a[i], b[i]
			switch {
			case x != x || x > y:
				dst[i] = x
			default:
				dst[i] = y // also when y is NaN
			}
		}
	case OpMinimum:
		for i := range dst {
			x, y := a[i], b[i]
			switch {
			case x != x || x < y:
				dst[i] = x
			default:
				dst[i] = y
			}
		}
	case OpPowT:
		for i := range dst {
			dst[i] = T(math.Pow(float64(a[i]), float64(b[i])))
		}
	case OpEq:
		for i := range dst {
			dst[i] = b2n[T](a[i] == b[i])
		}
	case OpNe:
		for i := range dst {
			dst[i] = b2n[T](a[i] != b[i])
		}
	case OpLt:
		for i := range dst {
			dst[i] = b2n[T](a[i] < b[i])
		}
	case OpLe:
		for i := range dst {
			dst[i] = b2n[T](a[i] <= b[i])
		}
	case OpGt:
		for i := range dst {
			dst[i] = b2n[T](a[i] > b[i])
		}
	case OpGe:
		for i := range dst {
			dst[i] = b2n[T](a[i] >= b[i])
		}
	default:
		panic(fmt.Sprintf("tensor: Binary: unknown op %v", op))
	}
}

func b2n[T number](b bool) T {
	if b {
		return 1
	}
	return 0
}

// binaryGradRow sets da[i] and db[i] (either slice may be nil) from
// y = op(a, b) and the upstream gradient dy.
func binaryGradRow[T float](op BinaryOp, da, db, a, b, y, dy []T) {
	n := len(dy)
	a, b, y = a[:n], b[:n], y[:n]
	switch op {
	case OpAdd:
		if da != nil {
			copy(da, dy)
		}
		if db != nil {
			copy(db, dy)
		}
	case OpSub:
		if da != nil {
			copy(da, dy)
		}
		if db != nil {
			for i, g := range dy {
				db[i] = -g
			}
		}
	case OpMul:
		if da != nil {
			for i, g := range dy {
				da[i] = g * b[i]
			}
		}
		if db != nil {
			for i, g := range dy {
				db[i] = g * a[i]
			}
		}
	case OpDiv:
		if da != nil {
			for i, g := range dy {
				da[i] = g / b[i]
			}
		}
		if db != nil {
			for i, g := range dy {
				db[i] = -g * a[i] / (b[i] * b[i])
			}
		}
	case OpMaximum, OpMinimum:
		for i, g := range dy {
			x, z := a[i], b[i]
			ga, gb := g, g
			if x == z {
				ga, gb = g/2, g/2
			} else if (op == OpMaximum && x < z) || (op == OpMinimum && x > z) {
				ga = 0
			} else if (op == OpMaximum && x > z) || (op == OpMinimum && x < z) {
				gb = 0
			}
			if da != nil {
				da[i] = ga
			}
			if db != nil {
				db[i] = gb
			}
		}
	case OpPowT:
		for i, g := range dy {
			x, e := float64(a[i]), float64(b[i])
			if da != nil {
				if e == 0 {
					da[i] = 0
				} else {
					da[i] = T(float64(g) * e * math.Pow(x, e-1))
				}
			}
			if db != nil {
				if x == 0 && e >= 0 {
					db[i] = 0
				} else {
					db[i] = T(float64(g) * float64(y[i]) * math.Log(x))
				}
			}
		}
	default:
		panic(fmt.Sprintf("tensor: BinaryGrad: op %v has no gradient", op))
	}
}
