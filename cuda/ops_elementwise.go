package cuda

import "fmt"

var (
	kUnary = map[int]*kernel{
		dtF32: defKernel("elementwise", "gf_unary_f32", structParam(layoutSize(2)), ptr, ptr, i32, f64, f64),
		dtF64: defKernel("elementwise", "gf_unary_f64", structParam(layoutSize(2)), ptr, ptr, i32, f64, f64),
	}
	kUnaryGrad = map[int]*kernel{
		dtF32: defKernel("elementwise", "gf_unary_grad_f32", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, i32, f64, f64),
		dtF64: defKernel("elementwise", "gf_unary_grad_f64", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, i32, f64, f64),
	}
	kBinary = map[int]*kernel{
		dtF32: defKernel("elementwise", "gf_binary_f32", structParam(layoutSize(3)), ptr, ptr, ptr, i32),
		dtF64: defKernel("elementwise", "gf_binary_f64", structParam(layoutSize(3)), ptr, ptr, ptr, i32),
		dtI32: defKernel("elementwise", "gf_binary_i32", structParam(layoutSize(3)), ptr, ptr, ptr, i32),
	}
	kBinaryGrad = map[int]*kernel{
		dtF32: defKernel("elementwise", "gf_binary_grad_f32", structParam(layoutSize(6)), ptr, ptr, ptr, ptr, ptr, ptr, i32),
		dtF64: defKernel("elementwise", "gf_binary_grad_f64", structParam(layoutSize(6)), ptr, ptr, ptr, ptr, ptr, ptr, i32),
	}
	kWhere = map[int]*kernel{
		dtF32: defKernel("elementwise", "gf_where_f32", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, i32),
		dtF64: defKernel("elementwise", "gf_where_f64", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, i32),
		dtI32: defKernel("elementwise", "gf_where_i32", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, i32),
	}
)

// The op codes are tensor.UnaryOp's and tensor.BinaryOp's values.
const (
	numUnaryOps  = 19
	numBinaryOps = 13
	binaryPowT   = 6
	binaryDiv    = 3
)

func kernelFor(table map[int]*kernel, op string, dtype int) *kernel {
	k := table[dtype]
	if k == nil {
		panic(fmt.Sprintf("cuda: %s: dtype %d not supported", op, dtype))
	}
	return k
}

// runElementwise launches k over the layout of ops (the first is the
// output), with extra scalar arguments appended by args.
func (g *GPU) runElementwise(k *kernel, shape []int, ops []operand, args func(a *argBuffer)) error {
	strides := make([][]int, len(ops))
	for i, o := range ops {
		strides[i] = o.strides
	}
	l, ok := makeLayout(shape, strides...)
	if !ok {
		return errRankTooHigh
	}
	if l.n == 0 {
		return nil
	}
	var a argBuffer
	a.layout(&l)
	for _, o := range ops {
		if o.shape == nil && o.base == 0 {
			a.ptr(0)
		} else {
			a.ptr(o.ptr())
		}
	}
	if args != nil {
		args(&a)
	}
	grid, block := g.elementwiseGrid(l.n)
	return g.launch(k, grid, block, 0, &a)
}

// unary sets dst = op(x).
func (g *GPU) unary(op int, dst, x operand, pa, pb float64) error {
	k := kernelFor(kUnary, "Unary", dst.dtype)
	return g.runElementwise(k, dst.shape, []operand{dst, x}, func(a *argBuffer) {
		a.i32(op)
		a.f64(pa)
		a.f64(pb)
	})
}

// unaryGrad sets dx = dy·op'(x) with y = op(x).
func (g *GPU) unaryGrad(op int, dx, x, y, dy operand, pa, pb float64) error {
	k := kernelFor(kUnaryGrad, "UnaryGrad", dx.dtype)
	return g.runElementwise(k, dx.shape, []operand{dx, x, y, dy}, func(a *argBuffer) {
		a.i32(op)
		a.f64(pa)
		a.f64(pb)
	})
}

// binary sets dst = op(a, b).
func (g *GPU) binary(op int, dst, a, b operand) error {
	k := kernelFor(kBinary, "Binary", dst.dtype)
	return g.runElementwise(k, dst.shape, []operand{dst, a, b}, func(ab *argBuffer) { ab.i32(op) })
}

// binaryGrad sets da and db (either may be absent: the zero operand).
func (g *GPU) binaryGrad(op int, da, db, a, b, y, dy operand) error {
	hasA, hasB := da.shape != nil, db.shape != nil
	if !hasA && !hasB {
		return nil
	}
	if !hasA {
		da = operand{strides: dy.strides, dtype: dy.dtype}
	}
	if !hasB {
		db = operand{strides: dy.strides, dtype: dy.dtype}
	}
	k := kernelFor(kBinaryGrad, "BinaryGrad", dy.dtype)
	return g.runElementwise(k, dy.shape, []operand{dy, a, b, y, da, db}, func(ab *argBuffer) { ab.i32(op) })
}

// where sets dst = a where cond != 0, else b.
func (g *GPU) where(dst, cond, a, b operand) error {
	k := kernelFor(kWhere, "Where", dst.dtype)
	if cond.dtype != dtF32 && cond.dtype != dtF64 && cond.dtype != dtI32 {
		panic(fmt.Sprintf("cuda: Where: condition dtype %d not supported", cond.dtype))
	}
	return g.runElementwise(k, dst.shape, []operand{dst, cond, a, b}, func(ab *argBuffer) { ab.i32(cond.dtype) })
}
