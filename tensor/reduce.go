package tensor

import (
	"fmt"
	"slices"
)

// reduceAxes normalizes the axes of a reduction: sorted, deduplicated;
// none means all.
func reduceAxes(op string, axes []int, rank int) []int {
	if len(axes) == 0 {
		all := make([]int, rank)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = normAxis(op, a, rank)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// keptShape returns the shape with reduced axes dropped, and the shape
// with them set to 1 (keepdim).
func keptShape(shape, axes []int) (dropped, kept []int) {
	kept = slices.Clone(shape)
	dropped = make([]int, 0, len(shape))
	j := 0
	for i, d := range shape {
		if j < len(axes) && axes[j] == i {
			kept[i] = 1
			j++
			continue
		}
		dropped = append(dropped, d)
	}
	return dropped, kept
}

// rawReduce reduces x over axes (already normalized, or nil for all)
// without recording; the reduced dims are dropped.
func rawReduce(op ReduceOp, x *Tensor, axes []int, p float64) *Tensor {
	return reduceNormalized(op, x, reduceAxes(op.String(), axes, len(x.shape)), p)
}

// reduceNormalized is rawReduce for axes already sorted and unique.
func reduceNormalized(op ReduceOp, x *Tensor, axes []int, p float64) *Tensor {
	dropped := make([]int, 0, len(x.shape))
	// Permute the reduced axes to the end.
	perm := make([]int, 0, len(x.shape))
	j := 0
	for i := range x.shape {
		if j < len(axes) && axes[j] == i {
			j++
			continue
		}
		perm = append(perm, i)
	}
	perm = append(perm, axes...)
	for _, a := range perm[:len(perm)-len(axes)] {
		dropped = append(dropped, x.shape[a])
	}
	shape := make([]int, len(perm))
	strides := make([]int, len(perm))
	for i, a := range perm {
		shape[i], strides[i] = x.shape[a], x.strides[a]
	}
	dt := x.dtype
	if op == ReduceArgMax || op == ReduceArgMin {
		dt = Int32
	}
	out := newLike(x, dt, dropped)
	x.backend().Reduce(op, out.view(), x.viewAs(shape, strides), p)
	return out
}

// reduce is the differentiable reduction behind Sum, Mean, ...
func reduce(op ReduceOp, x *Tensor, axesIn []int, keepDim bool, p float64) *Tensor {
	name := op.String()
	checkNotNil(name, x)
	if op != ReduceSum && op != ReduceMax && op != ReduceMin && op != ReduceArgMax && op != ReduceArgMin {
		checkFloat(name, x)
	}
	// A new variable: the closure below must not capture the caller's slice.
	axes := reduceAxes(name, axesIn, len(x.shape))
	out := reduceNormalized(op, x, axes, p)
	grad := op != ReduceArgMax && op != ReduceArgMin && x.needsGrad()
	if !keepDim && !grad {
		return out
	}
	_, kept := keptShape(x.shape, axes)
	res := out
	if keepDim {
		res = out.reshapeRaw(kept)
	}
	if !grad {
		return res
	}
	n := 1
	for _, a := range axes {
		n *= x.shape[a]
	}
	record(res, name, func(g *Tensor) []*Tensor {
		gk := g.reshapeRaw(kept)
		var dx *Tensor
		switch op {
		case ReduceSum:
			dx = viewOf(gk, gk.offset, x.shape, gk.expandedView(x.shape).Strides)
		case ReduceMean:
			s := rawUnary(OpAffine, gk, UnaryParams{A: 1 / float64(n)})
			dx = viewOf(s, s.offset, x.shape, s.expandedView(x.shape).Strides)
		case ReduceMax, ReduceMin:
			// The gradient is shared evenly by the elements equal to the
			// extreme (PyTorch's amax/amin).
			yk := out.reshapeRaw(kept)
			mask := rawBinary(OpEq, x, yk)
			cnt := rawReduce(ReduceSum, mask, axes, 0).reshapeRaw(kept)
			w := rawBinary(OpDiv, gk, cnt)
			dx = rawBinary(OpMul, mask, w)
			mask.release()
		case ReduceVar:
			mean := rawReduce(ReduceMean, x, axes, 0).reshapeRaw(kept)
			d := rawBinary(OpSub, x, mean)
			s := rawUnary(OpAffine, gk, UnaryParams{A: 2 / (float64(n) - p)})
			dx = rawBinary(OpMul, d, s)
			d.release()
		case ReduceLogSumExp:
			yk := out.reshapeRaw(kept)
			d := rawBinary(OpSub, x, yk)
			e := rawUnary(OpExp, d, UnaryParams{})
			d.release()
			dx = rawBinary(OpMul, e, gk)
			e.release()
		}
		return []*Tensor{dx}
	}, x)
	return res
}

// Sum returns the sum over the given axes (all when none), which are
// removed from the shape.
func (t *Tensor) Sum(axes ...int) *Tensor { return reduce(ReduceSum, t, axes, false, 0) }

// Mean returns the mean over the given axes (all when none).
func (t *Tensor) Mean(axes ...int) *Tensor { return reduce(ReduceMean, t, axes, false, 0) }

// Max returns the maximum over the given axes (all when none), as
// PyTorch's amax: NaN wins, and the gradient is shared evenly by tied
// maxima.
func (t *Tensor) Max(axes ...int) *Tensor { return reduce(ReduceMax, t, axes, false, 0) }

// Min returns the minimum over the given axes (all when none), as Max.
func (t *Tensor) Min(axes ...int) *Tensor { return reduce(ReduceMin, t, axes, false, 0) }

// Var returns the unbiased variance (divided by n-1, PyTorch's default)
// over the given axes (all when none).
func (t *Tensor) Var(axes ...int) *Tensor { return reduce(ReduceVar, t, axes, false, 1) }

// LogSumExp returns log Σ e^t over the given axes (all when none),
// computed stably.
func (t *Tensor) LogSumExp(axes ...int) *Tensor { return reduce(ReduceLogSumExp, t, axes, false, 0) }

// ArgMax returns the Int32 index of the first maximum along axis (the axis
// is removed). NaN counts as the maximum.
func (t *Tensor) ArgMax(axis int) *Tensor {
	return reduce(ReduceArgMax, t, []int{normAxis("ArgMax", axis, len(t.shape))}, false, 0)
}

// ArgMin returns the Int32 index of the first minimum along axis.
func (t *Tensor) ArgMin(axis int) *Tensor {
	return reduce(ReduceArgMin, t, []int{normAxis("ArgMin", axis, len(t.shape))}, false, 0)
}

// Reduce is the general form of the reductions: op over axes (all when
// empty), keeping the reduced dims with size 1 when keepDim is true.
// Variance uses the given correction (1 unbiased, 0 biased); other ops
// ignore it.
func (t *Tensor) Reduce(op ReduceOp, axes []int, keepDim bool, correction float64) *Tensor {
	if op >= numReduceOps {
		panic(fmt.Sprintf("tensor: Reduce: unknown op %d", op))
	}
	if (op == ReduceArgMax || op == ReduceArgMin) && len(axes) != 1 {
		panic(fmt.Sprintf("tensor: Reduce: %s takes exactly one axis, got %v", op, axes))
	}
	return reduce(op, t, axes, keepDim, correction)
}
