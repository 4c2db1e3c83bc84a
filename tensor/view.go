package tensor

import (
	"fmt"
	"slices"
)

// viewOf returns a header over t's buffer with the given geometry and no
// graph (the raw view; callers record the gradient).
func viewOf(t *Tensor, offset int, shape, strides []int) *Tensor {
	v := newHeader(t.buf, t.dtype, len(shape))
	v.offset = offset
	copy(v.shape, shape)
	copy(v.strides, strides)
	return v
}

// reshapeRaw returns t with a new shape of the same size, as a view when
// the strides allow it and as a contiguous copy otherwise.
func (t *Tensor) reshapeRaw(shape []int) *Tensor {
	if equalShapes(shape, t.shape) {
		return viewOf(t, t.offset, t.shape, t.strides)
	}
	if t.IsContiguous() {
		v := newHeader(t.buf, t.dtype, len(shape))
		v.offset = t.offset
		copy(v.shape, shape)
		contiguousStrides(v.shape, v.strides)
		return v
	}
	if strides, ok := viewStrides(t.shape, t.strides, shape); ok {
		return viewOf(t, t.offset, shape, strides)
	}
	return t.clone().reshapeRaw(shape)
}

// Reshape returns t with the given shape, which must have as many elements
// (one dimension may be -1: inferred). The result shares t's storage when
// the layout allows it (always for contiguous tensors), as PyTorch's
// reshape; otherwise it is a copy.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = inferShape("Reshape", shape, t.Numel())
	checkShape("Reshape", shape)
	out := t.reshapeRaw(shape)
	if t.needsGrad() {
		in := t.shape
		record(out, "Reshape", func(g *Tensor) []*Tensor { return []*Tensor{g.reshapeRaw(in)} }, t)
	}
	return out
}

// Flatten merges dimensions start..end (inclusive; negative counts from
// the end) into one.
func (t *Tensor) Flatten(start, end int) *Tensor {
	r := len(t.shape)
	if r == 0 {
		return t.Reshape(1)
	}
	start, end = normAxis("Flatten", start, r), normAxis("Flatten", end, r)
	if start > end {
		panic(fmt.Sprintf("tensor: Flatten: start %d after end %d", start, end))
	}
	shape := append([]int(nil), t.shape[:start]...)
	shape = append(shape, numel(t.shape[start:end+1]))
	shape = append(shape, t.shape[end+1:]...)
	return t.Reshape(shape...)
}

// permuteRaw returns the view with dims reordered by perm (a permutation).
func (t *Tensor) permuteRaw(perm []int) *Tensor {
	v := newHeader(t.buf, t.dtype, len(perm))
	v.offset = t.offset
	for i, p := range perm {
		v.shape[i] = t.shape[p]
		v.strides[i] = t.strides[p]
	}
	return v
}

func checkPerm(op string, perm []int, rank int) []int {
	if len(perm) != rank {
		panic(fmt.Sprintf("tensor: %s: %d axes given for rank %d", op, len(perm), rank))
	}
	out := make([]int, rank)
	seen := make([]bool, rank)
	for i, p := range perm {
		p = normAxis(op, p, rank)
		if seen[p] {
			panic(fmt.Sprintf("tensor: %s: axis %d repeated in %v", op, p, perm))
		}
		seen[p] = true
		out[i] = p
	}
	return out
}

// Permute returns a view with the dimensions reordered: dimension i of the
// result is dimension axes[i] of t. No data moves.
func (t *Tensor) Permute(axes ...int) *Tensor {
	perm := checkPerm("Permute", axes, len(t.shape))
	out := t.permuteRaw(perm)
	if t.needsGrad() {
		inv := make([]int, len(perm))
		for i, p := range perm {
			inv[p] = i
		}
		record(out, "Permute", func(g *Tensor) []*Tensor { return []*Tensor{g.permuteRaw(inv)} }, t)
	}
	return out
}

// Transpose returns a view with dimensions i and j swapped.
func (t *Tensor) Transpose(i, j int) *Tensor {
	r := len(t.shape)
	i, j = normAxis("Transpose", i, r), normAxis("Transpose", j, r)
	perm := make([]int, r)
	for k := range perm {
		perm[k] = k
	}
	perm[i], perm[j] = j, i
	return t.Permute(perm...)
}

// T returns the transpose of the last two dimensions (a view), as
// PyTorch's mT; for a matrix it is the ordinary transpose.
func (t *Tensor) T() *Tensor {
	if len(t.shape) < 2 {
		panic(fmt.Sprintf("tensor: T: needs at least 2 dimensions, shape is %v", t.shape))
	}
	return t.Transpose(-2, -1)
}

// narrowRaw returns the view of t restricted to [start, start+length) along
// axis, stepping by step.
func (t *Tensor) narrowRaw(axis, start, length, step int) *Tensor {
	v := viewOf(t, t.offset+start*t.strides[axis], t.shape, t.strides)
	v.shape[axis] = length
	v.strides[axis] = t.strides[axis] * step
	if length == 0 {
		v.offset = t.offset
	}
	return v
}

// Narrow returns the view of t with dimension axis restricted to
// [start, start+length), as PyTorch's narrow.
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	axis = normAxis("Narrow", axis, len(t.shape))
	if start < 0 || length < 0 || start+length > t.shape[axis] {
		panic(fmt.Sprintf("tensor: Narrow: [%d, %d) out of range for dimension %d of shape %v", start, start+length, axis, t.shape))
	}
	return t.slice("Narrow", axis, start, length, 1)
}

// Slice returns the view of t with dimension axis restricted to the
// elements start, start+step, ... below end, as Python's x[start:end:step]
// (negative start and end count from the end; both are clamped to the
// dimension; step must be positive).
func (t *Tensor) Slice(axis, start, end, step int) *Tensor {
	axis = normAxis("Slice", axis, len(t.shape))
	if step <= 0 {
		panic(fmt.Sprintf("tensor: Slice: step %d must be positive", step))
	}
	n := t.shape[axis]
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = min(max(start, 0), n), min(max(end, 0), n)
	length := 0
	if end > start {
		length = (end - start + step - 1) / step
	}
	return t.slice("Slice", axis, start, length, step)
}

func (t *Tensor) slice(op string, axis, start, length, step int) *Tensor {
	out := t.narrowRaw(axis, start, length, step)
	if t.needsGrad() {
		record(out, op, func(g *Tensor) []*Tensor {
			dx := newLike(g, g.dtype, t.shape)
			b := g.backend()
			b.Fill(dx.view(), 0)
			b.Copy(dx.narrowRaw(axis, start, length, step).view(), g.view())
			return []*Tensor{dx}
		}, t)
	}
	return out
}

// Select returns the slice at index along axis, with that dimension
// removed (x[:, i] in Python for axis 1).
func (t *Tensor) Select(axis, index int) *Tensor {
	axis = normAxis("Select", axis, len(t.shape))
	n := t.shape[axis]
	if index < -n || index >= n {
		panic(fmt.Sprintf("tensor: Select: index %d out of range for dimension %d of shape %v", index, axis, t.shape))
	}
	if index < 0 {
		index += n
	}
	return t.Narrow(axis, index, 1).Squeeze(axis)
}

// Squeeze removes the given dimensions, which must have size 1, or every
// size-1 dimension when none is given.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	drop := make([]bool, len(t.shape))
	if len(axes) == 0 {
		for i, d := range t.shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		a = normAxis("Squeeze", a, len(t.shape))
		if t.shape[a] != 1 {
			panic(fmt.Sprintf("tensor: Squeeze: dimension %d of shape %v is not 1", a, t.shape))
		}
		drop[a] = true
	}
	var shape, strides []int
	for i, d := range t.shape {
		if !drop[i] {
			shape = append(shape, d)
			strides = append(strides, t.strides[i])
		}
	}
	return t.regeom("Squeeze", shape, strides)
}

// Unsqueeze inserts a dimension of size 1 at axis (which may be Rank(),
// or negative counting from the end of the result).
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	axis = normAxis("Unsqueeze", axis, len(t.shape)+1)
	shape := slices.Insert(slices.Clone(t.shape), axis, 1)
	st := 1
	if axis < len(t.shape) {
		st = t.strides[axis] * t.shape[axis]
	}
	strides := slices.Insert(slices.Clone(t.strides), axis, st)
	return t.regeom("Unsqueeze", shape, strides)
}

// regeom returns a view with a new shape and strides of the same elements
// in the same order (squeeze, unsqueeze), recording a reshape gradient.
func (t *Tensor) regeom(op string, shape, strides []int) *Tensor {
	checkShape(op, shape)
	out := viewOf(t, t.offset, shape, strides)
	if t.needsGrad() {
		in := t.shape
		record(out, op, func(g *Tensor) []*Tensor { return []*Tensor{g.reshapeRaw(in)} }, t)
	}
	return out
}

// Expand returns a view of t broadcast to shape without copying: size-1
// dimensions repeat (stride 0) and new leading dimensions may be added; -1
// keeps a dimension. The gradient sums over the repeats.
func (t *Tensor) Expand(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	off := len(shape) - len(t.shape)
	if off < 0 {
		panic(fmt.Sprintf("tensor: Expand: shape %v has fewer dimensions than %v", shape, t.shape))
	}
	for i, d := range shape {
		if d == -1 {
			if i < off {
				panic(fmt.Sprintf("tensor: Expand: -1 in a new leading dimension of %v", shape))
			}
			shape[i] = t.shape[i-off]
		}
	}
	if !broadcastable(t.shape, shape) {
		panic(fmt.Sprintf("tensor: Expand: shape %v cannot expand to %v", t.shape, shape))
	}
	checkShape("Expand", shape)
	v := t.expandedView(shape)
	out := viewOf(t, t.offset, v.Shape, v.Strides)
	if t.needsGrad() {
		in := t.shape
		record(out, "Expand", func(g *Tensor) []*Tensor { return []*Tensor{sumTo(g, in)} }, t)
	}
	return out
}

// BroadcastTo is Expand.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor { return t.Expand(shape...) }

// Contiguous returns t itself when its elements are dense and in row-major
// order, and a contiguous copy otherwise.
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	return t.Clone()
}
