package tensor

import (
	"unsafe"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// Fast paths of the CPU backend for float32 tensors whose operands are
// dense and of one shape: they hand the whole tensor to the SIMD kernels
// of internal/vec (AVX-512, AVX2, NEON, or their Go twins under
// GOFORMER_CPU=purego), which split it across the worker pool without
// allocating. Each returns false when it does not apply, and the generic
// kernels run instead.

// dense32 returns the elements of a dense float32 view.
func dense32(v View) ([]float32, bool) {
	if !v.Valid() || v.DType() != Float32 || !v.IsContiguous() {
		return nil, false
	}
	n := v.Numel()
	return f32s(v)[v.Offset : v.Offset+n : v.Offset+n], true
}

func sameShape(a, b View) bool {
	if len(a.Shape) != len(b.Shape) {
		return false
	}
	for i, s := range a.Shape {
		if b.Shape[i] != s {
			return false
		}
	}
	return true
}

// overlap reports whether two slices share memory without being the very
// same slice (the kernels allow dst to be an input, not to straddle one).
func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	if pa == pb && len(a) == len(b) {
		return false
	}
	return pa < pb+4*uintptr(len(b)) && pb < pa+4*uintptr(len(a))
}

// vecUnary runs Exp, Tanh, GELU and GELUTanh.
func vecUnary(op UnaryOp, dst, x View) bool {
	d, ok1 := dense32(dst)
	s, ok2 := dense32(x)
	if !ok1 || !ok2 || !sameShape(dst, x) || overlap(d, s) {
		return false
	}
	switch op {
	case OpExp:
		vec.Exp(d, s)
	case OpTanh:
		vec.Tanh(d, s)
	case OpGELU:
		vec.GELU(d, s)
	case OpGELUTanh:
		vec.GELUTanh(d, s)
	default:
		return false
	}
	return true
}

// vecUnaryGrad runs the gradients of GELU and GELUTanh.
func vecUnaryGrad(op UnaryOp, dx, x, dy View) bool {
	if op != OpGELU && op != OpGELUTanh {
		return false
	}
	d, ok1 := dense32(dx)
	s, ok2 := dense32(x)
	g, ok3 := dense32(dy)
	if !ok1 || !ok2 || !ok3 || !sameShape(dx, x) || !sameShape(dx, dy) || overlap(d, s) || overlap(d, g) {
		return false
	}
	if op == OpGELU {
		vec.GELUBackward(d, s, g)
	} else {
		vec.GELUTanhBackward(d, s, g)
	}
	return true
}

// vecBinary runs Add, Sub and Mul on operands of dst's shape that are
// each dense or a broadcast row (a bias: one contiguous row of the last
// dimension, repeated along the others).
func vecBinary(op BinaryOp, dst, a, b View) bool {
	if op != OpAdd && op != OpSub && op != OpMul {
		return false
	}
	d, ok1 := dense32(dst)
	if !ok1 || !sameShape(dst, a) || !sameShape(dst, b) {
		return false
	}
	x, xRow, ok2 := denseOrRow32(a)
	y, yRow, ok3 := denseOrRow32(b)
	if !ok2 || !ok3 || (xRow && yRow) || overlap(d, x) || overlap(d, y) {
		return false
	}
	if !xRow && !yRow {
		binaryVec(op, d, x, y)
		return true
	}
	cols := lastCols(dst)
	if cols == 0 {
		return true
	}
	rows := len(d) / cols
	parallel.For(rows, max(1, (1<<16)/cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x, y
			if !xRow {
				xr = x[r*cols : (r+1)*cols]
			}
			if !yRow {
				yr = y[r*cols : (r+1)*cols]
			}
			binaryVec(op, d[r*cols:(r+1)*cols], xr, yr)
		}
	})
	return true
}

// binaryVec runs Add, Sub or Mul on slices of one length.
func binaryVec(op BinaryOp, d, x, y []float32) {
	switch op {
	case OpAdd:
		vec.Add(d, x, y)
	case OpSub:
		vec.Sub(d, x, y)
	default:
		vec.Mul(d, x, y)
	}
}

// denseOrRow32 returns the elements of a dense float32 view, or, with row
// set, the one row of a view that repeats a contiguous last dimension along
// all the others (stride 0).
func denseOrRow32(v View) (s []float32, row bool, ok bool) {
	if s, ok := dense32(v); ok {
		return s, false, true
	}
	r := v.Rank()
	if !v.Valid() || v.DType() != Float32 || r < 2 || v.Strides[r-1] != 1 {
		return nil, false, false
	}
	for i := range r - 1 {
		if v.Strides[i] != 0 {
			return nil, false, false
		}
	}
	cols := v.Shape[r-1]
	return f32s(v)[v.Offset : v.Offset+cols : v.Offset+cols], true, true
}

// lastCols returns the size of the last dimension (1 for a scalar).
func lastCols(v View) int {
	if v.Rank() == 0 {
		return 1
	}
	return v.Shape[v.Rank()-1]
}

// vecSoftmax runs softmax and log-softmax over the last dimension.
func vecSoftmax(dst, x View, log bool) bool {
	d, ok1 := dense32(dst)
	s, ok2 := dense32(x)
	cols := lastCols(x)
	if !ok1 || !ok2 || !sameShape(dst, x) || cols == 0 || overlap(d, s) || (log && len(d) > 0 && &d[0] == &s[0]) {
		return false
	}
	if log {
		vec.LogSoftmax(d, s, cols)
	} else {
		vec.Softmax(d, s, cols)
	}
	return true
}

// vecSoftmaxGrad runs the gradient of softmax (not log-softmax).
func vecSoftmaxGrad(dx, y, dy View, log bool) bool {
	if log {
		return false
	}
	d, ok1 := dense32(dx)
	s, ok2 := dense32(y)
	g, ok3 := dense32(dy)
	cols := lastCols(y)
	if !ok1 || !ok2 || !ok3 || !sameShape(dx, y) || !sameShape(dx, dy) || cols == 0 || overlap(d, s) || overlap(d, g) {
		return false
	}
	vec.SoftmaxBackward(d, s, g, cols)
	return true
}

// optional32 returns the elements of an optional dense float32 parameter
// (nil when absent); ok is false when present but not dense.
func optional32(v View) ([]float32, bool) {
	if !v.Valid() {
		return nil, true
	}
	return dense32(v)
}

// vecLayerNorm runs LayerNorm over the last dimension, saving mean and
// rstd.
func vecLayerNorm(y, mean, rstd, x, w, b View, eps float64) bool {
	d, ok1 := dense32(y)
	s, ok2 := dense32(x)
	m, ok3 := dense32(mean)
	r, ok4 := dense32(rstd)
	ws, ok5 := optional32(w)
	bs, ok6 := optional32(b)
	cols := lastCols(x)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !sameShape(y, x) || cols == 0 ||
		len(m)*cols != len(s) || len(r) != len(m) || (ws != nil && len(ws) != cols) || (bs != nil && len(bs) != cols) ||
		overlap(d, s) {
		return false
	}
	vec.LayerNorm(d, s, ws, bs, cols, float32(eps), m, r)
	return true
}

// vecLayerNormGrad runs the gradient of LayerNorm when dx is wanted.
func vecLayerNormGrad(dx, dw, db, x, w, mean, rstd, dy View) bool {
	d, ok1 := dense32(dx)
	s, ok2 := dense32(x)
	g, ok3 := dense32(dy)
	m, ok4 := dense32(mean)
	r, ok5 := dense32(rstd)
	ws, ok6 := optional32(w)
	dws, ok7 := optional32(dw)
	dbs, ok8 := optional32(db)
	cols := lastCols(x)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 || !ok8 || cols == 0 ||
		!sameShape(dx, x) || !sameShape(dx, dy) || len(m)*cols != len(s) || len(r) != len(m) ||
		(ws != nil && len(ws) != cols) || (dws != nil && len(dws) != cols) || (dbs != nil && len(dbs) != cols) ||
		overlap(d, s) || overlap(d, g) {
		return false
	}
	vec.LayerNormBackward(d, dws, dbs, g, s, ws, m, r, cols)
	return true
}

// vecAdamW runs an AdamW step on dense float32 parameters and state.
func vecAdamW(param, grad, m, v View, p AdamWParams) bool {
	ps, ok1 := dense32(param)
	gs, ok2 := dense32(grad)
	ms, ok3 := dense32(m)
	vs, ok4 := dense32(v)
	if !ok1 || !ok2 || !ok3 || !ok4 || !sameShape(param, grad) || !sameShape(param, m) || !sameShape(param, v) || p.Step < 1 {
		return false
	}
	vec.AdamW{LR: p.LR, Beta1: p.Beta1, Beta2: p.Beta2, Eps: p.Eps, WeightDecay: p.WeightDecay}.Update(p.Step, ps, gs, ms, vs)
	return true
}
