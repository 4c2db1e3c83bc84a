package tensor

import "fmt"

// expandedView returns t's view broadcast to shape (zero strides on the
// broadcast dims); t's shape must be broadcastable to shape.
func (t *Tensor) expandedView(shape []int) View {
	if equalShapes(t.shape, shape) {
		return t.view()
	}
	strides := make([]int, len(shape))
	off := len(shape) - len(t.shape)
	for i := range t.shape {
		if t.shape[i] != 1 {
			strides[off+i] = t.strides[i]
		}
	}
	return t.viewAs(shape, strides)
}

// clone returns a contiguous copy of t with no graph.
func (t *Tensor) clone() *Tensor {
	out := newLike(t, t.dtype, t.shape)
	t.backend().Copy(out.view(), t.view())
	return out
}

// Clone returns a contiguous copy of t. The copy is differentiable: its
// gradient flows back to t.
func (t *Tensor) Clone() *Tensor {
	out := t.clone()
	if t.needsGrad() {
		record(out, "Clone", func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
	}
	return out
}

// rawUnary computes op(x) without recording a graph node.
func rawUnary(op UnaryOp, x *Tensor, p UnaryParams) *Tensor {
	out := newLike(x, x.dtype, x.shape)
	x.backend().Unary(op, out.view(), x.view(), p)
	return out
}

// rawBinary computes op(a, b) with broadcasting, without recording.
func rawBinary(op BinaryOp, a, b *Tensor) *Tensor {
	name := op.String()
	checkSameDevice2(name, a, b)
	checkSameDType2(name, a, b)
	shape := a.shape
	if !equalShapes(a.shape, b.shape) {
		shape = broadcastShapes(name, a.shape, b.shape)
	}
	out := newLike2(a, b, a.dtype, shape)
	a.backend().Binary(op, out.view(), a.expandedView(shape), b.expandedView(shape))
	return out
}

// unary applies op elementwise and records its gradient.
func unary(op UnaryOp, x *Tensor, p UnaryParams) *Tensor {
	checkFloat(op.String(), x)
	out := rawUnary(op, x, p)
	if x.needsGrad() {
		record(out, op.String(), func(g *Tensor) []*Tensor {
			dx := newLike(x, x.dtype, x.shape)
			x.backend().UnaryGrad(op, dx.view(), x.view(), out.view(), g.view(), p)
			return []*Tensor{dx}
		}, x)
	}
	return out
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return unary(OpNeg, t, UnaryParams{}) }

// Exp returns e^t elementwise.
func (t *Tensor) Exp() *Tensor { return unary(OpExp, t, UnaryParams{}) }

// Log returns the natural logarithm of t elementwise.
func (t *Tensor) Log() *Tensor { return unary(OpLog, t, UnaryParams{}) }

// Sqrt returns √t elementwise.
func (t *Tensor) Sqrt() *Tensor { return unary(OpSqrt, t, UnaryParams{}) }

// Rsqrt returns 1/√t elementwise.
func (t *Tensor) Rsqrt() *Tensor { return unary(OpRsqrt, t, UnaryParams{}) }

// Abs returns |t| elementwise (its gradient is 0 at 0).
func (t *Tensor) Abs() *Tensor { return unary(OpAbs, t, UnaryParams{}) }

// Tanh returns tanh t elementwise.
func (t *Tensor) Tanh() *Tensor { return unary(OpTanh, t, UnaryParams{}) }

// Sigmoid returns 1/(1+e^-t) elementwise.
func (t *Tensor) Sigmoid() *Tensor { return unary(OpSigmoid, t, UnaryParams{}) }

// ReLU returns max(t, 0) elementwise (NaN stays NaN; gradient 0 at 0).
func (t *Tensor) ReLU() *Tensor { return unary(OpReLU, t, UnaryParams{}) }

// GELU returns t·Φ(t), Φ the standard normal distribution function, with
// the exact error function (PyTorch's gelu with approximate='none', used
// by BERT).
func (t *Tensor) GELU() *Tensor { return unary(OpGELU, t, UnaryParams{}) }

// GELUTanh returns the tanh approximation of GELU (PyTorch's
// approximate='tanh', GPT-2's "gelu_new").
func (t *Tensor) GELUTanh() *Tensor { return unary(OpGELUTanh, t, UnaryParams{}) }

// SiLU returns t·sigmoid(t) (also called swish).
func (t *Tensor) SiLU() *Tensor { return unary(OpSiLU, t, UnaryParams{}) }

// Sin returns sin t elementwise.
func (t *Tensor) Sin() *Tensor { return unary(OpSin, t, UnaryParams{}) }

// Cos returns cos t elementwise.
func (t *Tensor) Cos() *Tensor { return unary(OpCos, t, UnaryParams{}) }

// Square returns t² elementwise.
func (t *Tensor) Square() *Tensor { return unary(OpSquare, t, UnaryParams{}) }

// Reciprocal returns 1/t elementwise.
func (t *Tensor) Reciprocal() *Tensor { return unary(OpReciprocal, t, UnaryParams{}) }

// Pow returns t^p elementwise for a scalar exponent. See PowTensor for a
// tensor exponent.
func (t *Tensor) Pow(p float64) *Tensor { return unary(OpPow, t, UnaryParams{A: p}) }

// Clamp limits t to [lo, hi] elementwise; use math.Inf for a one-sided
// bound. NaN stays NaN; the gradient is 1 inside the bounds and 0 outside.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	if lo > hi {
		panic(fmt.Sprintf("tensor: Clamp: lower bound %v above upper bound %v", lo, hi))
	}
	return unary(OpClamp, t, UnaryParams{A: lo, B: hi})
}

// Scale returns s·t.
func (t *Tensor) Scale(s float64) *Tensor { return unary(OpAffine, t, UnaryParams{A: s}) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor { return unary(OpAffine, t, UnaryParams{A: 1, B: s}) }

// Affine returns a·t + b elementwise.
func (t *Tensor) Affine(a, b float64) *Tensor { return unary(OpAffine, t, UnaryParams{A: a, B: b}) }

// binary applies op with broadcasting and records its gradient.
func binary(op BinaryOp, a, b *Tensor) *Tensor {
	name := op.String()
	checkNotNil(name, a, b)
	out := rawBinary(op, a, b)
	if op.IsComparison() || !(a.needsGrad() || b.needsGrad()) {
		return out
	}
	checkFloat(name, a)
	record(out, name, func(g *Tensor) []*Tensor {
		var da, db *Tensor
		var dav, dbv View
		if a.needsGrad() {
			da = newLike(g, g.dtype, g.shape)
			dav = da.view()
		}
		if b.needsGrad() {
			db = newLike(g, g.dtype, g.shape)
			dbv = db.view()
		}
		g.backend().BinaryGrad(op, dav, dbv, a.expandedView(g.shape), b.expandedView(g.shape), out.view(), g.view())
		return []*Tensor{sumToTemp(da, a.shape), sumToTemp(db, b.shape)}
	}, a, b)
	return out
}

// Add returns a + b with NumPy broadcasting.
func (t *Tensor) Add(b *Tensor) *Tensor { return binary(OpAdd, t, b) }

// Sub returns a - b with broadcasting.
func (t *Tensor) Sub(b *Tensor) *Tensor { return binary(OpSub, t, b) }

// Mul returns a·b elementwise with broadcasting.
func (t *Tensor) Mul(b *Tensor) *Tensor { return binary(OpMul, t, b) }

// Div returns a/b elementwise with broadcasting.
func (t *Tensor) Div(b *Tensor) *Tensor { return binary(OpDiv, t, b) }

// Maximum returns the elementwise maximum of a and b with broadcasting;
// NaN wins, and tied elements send half the gradient to each side.
func (t *Tensor) Maximum(b *Tensor) *Tensor { return binary(OpMaximum, t, b) }

// Minimum returns the elementwise minimum of a and b, as Maximum.
func (t *Tensor) Minimum(b *Tensor) *Tensor { return binary(OpMinimum, t, b) }

// PowTensor returns a^b elementwise with broadcasting.
func (t *Tensor) PowTensor(b *Tensor) *Tensor { return binary(OpPowT, t, b) }

// Eq returns 1 where a == b and 0 elsewhere, in a's dtype (broadcasting).
// Comparisons are not differentiable.
func (t *Tensor) Eq(b *Tensor) *Tensor { return binary(OpEq, t, b) }

// Ne returns 1 where a != b, else 0.
func (t *Tensor) Ne(b *Tensor) *Tensor { return binary(OpNe, t, b) }

// Lt returns 1 where a < b, else 0.
func (t *Tensor) Lt(b *Tensor) *Tensor { return binary(OpLt, t, b) }

// Le returns 1 where a <= b, else 0.
func (t *Tensor) Le(b *Tensor) *Tensor { return binary(OpLe, t, b) }

// Gt returns 1 where a > b, else 0.
func (t *Tensor) Gt(b *Tensor) *Tensor { return binary(OpGt, t, b) }

// Ge returns 1 where a >= b, else 0.
func (t *Tensor) Ge(b *Tensor) *Tensor { return binary(OpGe, t, b) }

// Where returns a where cond is non-zero and b elsewhere, broadcasting all
// three. cond may have any dtype (Int32 masks are typical); a and b share
// a dtype. Gradients flow to a and b where each was chosen.
func Where(cond, a, b *Tensor) *Tensor {
	checkNotNil("Where", cond, a, b)
	checkSameDevice("Where", cond, a, b)
	checkSameDType2("Where", a, b)
	shape := broadcastShapes("Where", broadcastShapes("Where", cond.shape, a.shape), b.shape)
	out := newIn(scopeOf(a, b, cond), a.buf.backend, a.dtype, shape)
	a.backend().Where(out.view(), cond.expandedView(shape), a.expandedView(shape), b.expandedView(shape))
	if a.needsGrad() || b.needsGrad() {
		record(out, "Where", func(g *Tensor) []*Tensor {
			var da, db *Tensor
			zero := scalarLike(g, 0)
			if a.needsGrad() {
				da = newLike(g, g.dtype, g.shape)
				g.backend().Where(da.view(), cond.expandedView(shape), g.view(), zero.expandedView(shape))
			}
			if b.needsGrad() {
				db = newLike(g, g.dtype, g.shape)
				g.backend().Where(db.view(), cond.expandedView(shape), zero.expandedView(shape), g.view())
			}
			return []*Tensor{nil, sumToTemp(da, a.shape), sumToTemp(db, b.shape)}
		}, cond, a, b)
	}
	return out
}

// MaskedFill returns t with value wherever mask (broadcast to t's shape,
// any dtype) is non-zero, as PyTorch's masked_fill. value may be ±Inf, as
// in attention masks. The gradient is zero at the filled positions.
func (t *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	checkNotNil("MaskedFill", t, mask)
	if !broadcastable(mask.shape, t.shape) {
		panic(fmt.Sprintf("tensor: MaskedFill: mask shape %v does not broadcast to %v", mask.shape, t.shape))
	}
	return Where(mask, scalarLike(t, value), t)
}

// scalarLike returns a 0-d tensor holding v with t's dtype and device.
func scalarLike(t *Tensor, v float64) *Tensor {
	s := newLike(t, t.dtype, nil)
	t.backend().Fill(s.view(), v)
	return s
}

// sumToTemp sums a gradient computed at the broadcast shape down to shape,
// returning the full-size temporary to the pool when it is reduced.
func sumToTemp(g *Tensor, shape []int) *Tensor {
	if g == nil || equalShapes(g.shape, shape) {
		return g
	}
	r := sumTo(g, shape)
	g.release()
	return r
}

// sumTo sums g over the dims that broadcasting expanded from shape.
func sumTo(g *Tensor, shape []int) *Tensor {
	if equalShapes(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var axes []int
	for i := range g.shape {
		if i < lead || (shape[i-lead] == 1 && g.shape[i] != 1) {
			axes = append(axes, i)
		}
	}
	r := rawReduce(ReduceSum, g, axes, 0)
	return r.reshapeRaw(shape)
}

// release returns the storage of a temporary tensor to its backend's
// cache. Only call it on a tensor created by the caller that nothing else
// shares (fused-op scratch, gradients consumed by Backward).
func (t *Tensor) release() {
	if t == nil {
		return
	}
	t.buf.release(releasedInternally)
}
