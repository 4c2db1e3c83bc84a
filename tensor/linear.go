package tensor

import (
	"fmt"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// Linear returns x·wᵀ + b for x [..., in], a weight w [out, in] stored as
// PyTorch's nn.Linear stores it, and a bias b [out] (nil: none), as one
// op: the bias is added in one pass over the product, and the backward
// pass computes the three gradients directly (dx = g·w, dw = gᵀ·x,
// db = Σ g over the rows) instead of routing the upstream gradient through
// a broadcast add.
func Linear(x, w, b *Tensor) *Tensor { return linear("Linear", x, w, b, 0, false) }

// LinearAct returns act(x·wᵀ + b), Linear followed by an activation, with
// the bias and the activation applied in one pass over the product. act is
// OpReLU, OpGELU, OpGELUTanh, OpSiLU, OpTanh or OpSigmoid. The backward
// pass reads the pre-activation, which the op keeps until then.
func LinearAct(x, w, b *Tensor, act UnaryOp) *Tensor {
	switch act {
	case OpReLU, OpGELU, OpGELUTanh, OpSiLU, OpTanh, OpSigmoid:
	default:
		panic(fmt.Sprintf("tensor: LinearAct: %s is not an activation (want ReLU, GELU, GELUTanh, SiLU, Tanh or Sigmoid)", act))
	}
	return linear("LinearAct", x, w, b, act, true)
}

func linear(op string, x, w, b *Tensor, act UnaryOp, hasAct bool) *Tensor {
	checkNotNil(op, x, w)
	if len(w.shape) != 2 || len(x.shape) == 0 || x.shape[len(x.shape)-1] != w.shape[1] || (b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0])) {
		var bs []int
		if b != nil {
			bs = b.shape
		}
		panic(fmt.Sprintf("tensor: %s: input %v, weight %v and bias %v do not match (want [..., in], [out, in], [out])", op, x.shape, w.shape, bs))
	}
	checkFloat(op, x)
	checkSameDType2(op, x, w)
	checkSameDevice2(op, x, w)
	if b != nil {
		checkSameDType2(op, x, b)
		checkSameDevice2(op, x, b)
	}
	in, out := w.shape[1], w.shape[0]
	r := len(x.shape)
	rows := numel(x.shape[:r-1])
	x2 := x.reshapeRaw([]int{rows, in})
	be := x.backend()
	y := newLike2(x, w, x.dtype, []int{rows, out})
	be.MatMul(y.view(), x2.view(), w.swapLast().view(), 1, 0)
	needGrad := anyNeedsGrad(x, w, b)
	var pre *Tensor
	if hasAct && needGrad {
		// The backward pass needs the pre-activation: keep it apart.
		pre = y
		y = newLike(pre, x.dtype, pre.shape)
	}
	biasAct(be, y, pre, b, act, hasAct)
	outShape := make([]int, r)
	copy(outShape, x.shape[:r-1])
	outShape[r-1] = out
	res := y.reshapeRaw(outShape)
	if !needGrad {
		return res
	}
	record(res, op, func(g *Tensor) []*Tensor {
		gb := g.backend()
		dpre := g.reshapeRaw([]int{rows, out})
		if hasAct {
			d := newLike(g, g.dtype, []int{rows, out})
			gb.UnaryGrad(act, d.view(), pre.view(), y.view(), dpre.view(), UnaryParams{})
			dpre = d
		}
		var dx, dw, db *Tensor
		if x.needsGrad() {
			dx = matmulRaw(dpre, w).reshapeRaw(x.shape)
		}
		if w.needsGrad() {
			dw = matmulRaw(dpre.swapLast(), x2)
		}
		if b != nil && b.needsGrad() {
			db = rawReduce(ReduceSum, dpre, []int{0}, 0)
		}
		if hasAct {
			dpre.release()
		}
		return []*Tensor{dx, dw, db}
	}, x, w, b)
	if pre != nil {
		res.node.scratch = []*Tensor{pre}
	}
	return res
}

// biasAct sets y = act(src + b) for y and src [rows, out] and b [out] (nil:
// no bias; without hasAct no activation). With a nil src the op runs in
// place on y; otherwise src is overwritten with src + b (the
// pre-activation). On the CPU, float32 rows take the vector kernels, a
// block of rows at a time so that each row is read from cache by the
// second kernel.
func biasAct(be Backend, y, src, b *Tensor, act UnaryOp, hasAct bool) {
	if src == nil {
		src = y
	}
	if b == nil && !hasAct {
		return
	}
	if biasActCPU(be, y, src, b, act, hasAct) {
		return
	}
	if b != nil {
		sv := src.view()
		be.Binary(OpAdd, sv, sv, b.expandedView(src.shape))
	}
	if hasAct {
		be.Unary(act, y.view(), src.view(), UnaryParams{})
	}
}

func biasActCPU(be Backend, y, src, b *Tensor, act UnaryOp, hasAct bool) bool {
	if be != cpuBackend || y.dtype != Float32 {
		return false
	}
	var kernel func(dst, x []float32)
	if hasAct {
		switch act {
		case OpGELU:
			kernel = vec.GELU
		case OpGELUTanh:
			kernel = vec.GELUTanh
		case OpTanh:
			kernel = vec.Tanh
		default:
			return false
		}
	}
	rows, cols := y.shape[0], y.shape[1]
	if cols == 0 || rows == 0 {
		return true
	}
	d, s := f32s(y.view())[y.offset:][:rows*cols], f32s(src.view())[src.offset:][:rows*cols]
	var bias []float32
	if b != nil {
		bv := b.view()
		if bv.Strides[0] != 1 && cols > 1 {
			return false
		}
		bias = f32s(bv)[bv.Offset:][:cols]
	}
	parallel.For(rows, max(1, (1<<14)/cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			sr, dr := s[r*cols:(r+1)*cols], d[r*cols:(r+1)*cols]
			if bias != nil {
				vec.Add(sr, sr, bias)
			}
			if kernel != nil {
				kernel(dr, sr)
			}
		}
	})
	return true
}
