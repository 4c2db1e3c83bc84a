package tensor

import "fmt"

// The out-variants (…Into) compute an op into a tensor the caller owns,
// instead of a new one: an inference loop that reuses its buffers call
// after call allocates nothing. They record no gradient, so their operands
// must not require one (use the ordinary ops to train), and they bump
// dst's version as in-place ops do. dst must have the result's shape and
// dtype, live on the operands' device, and not be a broadcast view; it
// may be an operand of the element-wise variants (the op then runs in
// place) but must not share storage with the operands of MatMulInto.

func checkInto(op string, dst *Tensor, shape []int, dtype DType, operands ...*Tensor) {
	checkInPlace(op, dst)
	if !equalShapes(dst.shape, shape) {
		panic(fmt.Sprintf("tensor: %s: destination of shape %v for a result of shape %v", op, dst.shape, shape))
	}
	if dst.dtype != dtype {
		panic(fmt.Sprintf("tensor: %s: destination is %s, the result %s", op, dst.dtype, dtype))
	}
	for _, t := range operands {
		checkSameDevice2(op, dst, t)
		if t.needsGrad() {
			panic(fmt.Sprintf("tensor: %s records no gradient, but an operand of shape %v requires one (use the op without Into, or Detach the operand)", op, t.shape))
		}
	}
}

// binaryInto runs an element-wise op of two operands into dst.
func binaryInto(op BinaryOp, name string, dst, a, b *Tensor) *Tensor {
	checkNotNil(name, dst, a, b)
	checkSameDType2(name, a, b)
	shape := a.shape
	if !equalShapes(a.shape, b.shape) && !broadcastable(b.shape, a.shape) {
		shape = broadcastShapes(name, a.shape, b.shape)
	}
	checkInto(name, dst, shape, a.dtype, a, b)
	dst.backend().Binary(op, dst.view(), a.expandedView(shape), b.expandedView(shape))
	dst.buf.version++
	return dst
}

// AddInto sets dst = a + b, broadcasting as Add, and returns dst.
func AddInto(dst, a, b *Tensor) *Tensor { return binaryInto(OpAdd, "AddInto", dst, a, b) }

// SubInto sets dst = a - b, broadcasting as Sub, and returns dst.
func SubInto(dst, a, b *Tensor) *Tensor { return binaryInto(OpSub, "SubInto", dst, a, b) }

// MulInto sets dst = a·b element by element, broadcasting as Mul, and
// returns dst.
func MulInto(dst, a, b *Tensor) *Tensor { return binaryInto(OpMul, "MulInto", dst, a, b) }

// UnaryInto sets dst = op(x) element by element (OpGELU, OpExp, ...;
// parameters in p for OpPow, OpClamp and OpAffine) and returns dst.
func UnaryInto(dst, x *Tensor, op UnaryOp, p UnaryParams) *Tensor {
	if op >= numUnaryOps {
		panic(fmt.Sprintf("tensor: UnaryInto: unknown op %d", op))
	}
	checkNotNil("UnaryInto", dst, x)
	checkFloat("UnaryInto", x)
	checkInto("UnaryInto", dst, x.shape, x.dtype, x)
	dst.backend().Unary(op, dst.view(), x.view(), p)
	dst.buf.version++
	return dst
}

// MatMulInto sets dst to the matrix product of a and b (rank ≥ 2 each,
// batch dimensions broadcast as in MatMul) and returns dst. dst must be
// contiguous and must not share storage with a or b.
func MatMulInto(dst, a, b *Tensor) *Tensor {
	checkNotNil("MatMulInto", dst, a, b)
	checkSameDType2("MatMulInto", a, b)
	checkFloat("MatMulInto", a)
	ra, rb := len(a.shape), len(b.shape)
	if ra < 2 || rb < 2 || a.shape[ra-1] != b.shape[rb-2] {
		panic(fmt.Sprintf("tensor: MatMulInto: shapes %v and %v do not match (both need rank ≥ 2 and equal inner dimensions)", a.shape, b.shape))
	}
	m, k, n := a.shape[ra-2], a.shape[ra-1], b.shape[rb-1]
	if ra == 2 && rb == 2 {
		checkInto("MatMulInto", dst, []int{m, n}, a.dtype, a, b)
		checkMatMulDst(dst, a, b)
		dst.backend().MatMul(dst.view(), a.view(), b.view(), 1, 0)
		dst.buf.version++
		return dst
	}
	batch := broadcastShapes("MatMulInto", a.shape[:ra-2], b.shape[:rb-2])
	shape := append(append(make([]int, 0, len(batch)+2), batch...), m, n)
	checkInto("MatMulInto", dst, shape, a.dtype, a, b)
	checkMatMulDst(dst, a, b)
	aShape := append(append(make([]int, 0, len(batch)+2), batch...), m, k)
	bShape := append(append(make([]int, 0, len(batch)+2), batch...), k, n)
	dst.backend().MatMul(dst.view(), a.expandedView(aShape), b.expandedView(bShape), 1, 0)
	dst.buf.version++
	return dst
}

func checkMatMulDst(dst, a, b *Tensor) {
	if !dst.IsContiguous() {
		panic(fmt.Sprintf("tensor: MatMulInto: destination of shape %v and strides %v is not contiguous", dst.shape, dst.strides))
	}
	if dst.buf.storage == a.buf.storage || dst.buf.storage == b.buf.storage {
		panic("tensor: MatMulInto: the destination shares storage with an operand")
	}
}

// SoftmaxInto sets dst to the softmax of x along its last dimension and
// returns dst.
func SoftmaxInto(dst, x *Tensor) *Tensor {
	checkNotNil("SoftmaxInto", dst, x)
	checkFloat("SoftmaxInto", x)
	checkInto("SoftmaxInto", dst, x.shape, x.dtype, x)
	if len(x.shape) == 0 {
		panic("tensor: SoftmaxInto: a scalar has no last dimension")
	}
	if x.Numel() > 0 {
		x.backend().Softmax(dst.view(), x.view(), false)
	}
	dst.buf.version++
	return dst
}
