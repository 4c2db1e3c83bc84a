package tensor

import "fmt"

// IndexSelect gathers the slices of t at the given positions along axis,
// as PyTorch's index_select: index is a 1-D Int32 tensor of length k and
// the result has t's shape with dimension axis replaced by k. Indices out
// of range panic on the CPU. The gradient scatters back with IndexAdd
// (repeated indices accumulate).
func (t *Tensor) IndexSelect(axis int, index *Tensor) *Tensor {
	checkNotNil("IndexSelect", t, index)
	checkSameDevice2("IndexSelect", t, index)
	if index.dtype != Int32 {
		panic(fmt.Sprintf("tensor: IndexSelect: index dtype is %s, want int32", index.dtype))
	}
	if len(index.shape) != 1 {
		panic(fmt.Sprintf("tensor: IndexSelect: index must be 1-D, shape is %v", index.shape))
	}
	if len(t.shape) == 0 {
		panic("tensor: IndexSelect: cannot index a scalar")
	}
	axis = normAxis("IndexSelect", axis, len(t.shape))
	k := index.shape[0]
	shape := append([]int(nil), t.shape...)
	shape[axis] = k
	out := newLike2(t, index, t.dtype, shape)
	t.backend().IndexSelect(as3D(out, axis), as3D(mergeable3D(t, axis), axis), index.view())
	if t.needsGrad() {
		record(out, "IndexSelect", func(g *Tensor) []*Tensor {
			dx := newLike(g, g.dtype, t.shape)
			b := g.backend()
			b.Fill(dx.view(), 0)
			b.IndexAdd(as3D(dx, axis), index.view(), as3D(mergeable3D(g, axis), axis))
			return []*Tensor{dx}
		}, t, index)
	}
	return out
}

// mergeable3D returns t, or a contiguous copy of it when its dims before or
// after axis cannot be seen as one dimension each.
func mergeable3D(t *Tensor, axis int) *Tensor {
	_, ok1 := mergedStride(t.shape[:axis], t.strides[:axis])
	_, ok2 := mergedStride(t.shape[axis+1:], t.strides[axis+1:])
	if ok1 && ok2 {
		return t
	}
	return t.clone()
}

// as3D views t as [outer, t.shape[axis], inner] for the index kernels; t
// must pass mergeable3D.
func as3D(t *Tensor, axis int) View {
	outer, inner := numel(t.shape[:axis]), numel(t.shape[axis+1:])
	shape := []int{outer, t.shape[axis], inner}
	so, ok1 := mergedStride(t.shape[:axis], t.strides[:axis])
	si, ok2 := mergedStride(t.shape[axis+1:], t.strides[axis+1:])
	if !ok1 || !ok2 {
		panic("tensor: internal error: as3D of a view whose dims do not merge")
	}
	return t.viewAs(shape, []int{so, t.strides[axis], si})
}

// mergedStride returns the stride of dims merged into one, if possible.
func mergedStride(shape, strides []int) (int, bool) {
	stride, size := 1, 1
	first := true
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 1 {
			continue
		}
		if first {
			stride, size, first = strides[i], shape[i], false
			continue
		}
		if strides[i] != stride*size {
			return 0, false
		}
		size *= shape[i]
	}
	return stride, true
}

// Embedding looks up rows of weight [V, D] for Int32 ids of any shape and
// returns ids.shape + [D], as PyTorch's F.embedding. Its gradient
// scatter-adds into weight.
func Embedding(weight, ids *Tensor) *Tensor {
	checkNotNil("Embedding", weight, ids)
	if len(weight.shape) != 2 {
		panic(fmt.Sprintf("tensor: Embedding: weight must be [V, D], shape is %v", weight.shape))
	}
	flat := ids.Reshape(-1)
	out := weight.IndexSelect(0, flat)
	return out.Reshape(append(ids.Shape(), weight.shape[1])...)
}

// EmbeddingPadded is Embedding whose row padding receives no gradient, as
// PyTorch's F.embedding with padding_idx: looking up the padding id still
// returns its row, but Backward leaves that row's gradient zero.
func EmbeddingPadded(weight, ids *Tensor, padding int) *Tensor {
	checkNotNil("EmbeddingPadded", weight, ids)
	if len(weight.shape) != 2 {
		panic(fmt.Sprintf("tensor: EmbeddingPadded: weight must be [V, D], shape is %v", weight.shape))
	}
	if padding < 0 || padding >= weight.shape[0] {
		panic(fmt.Sprintf("tensor: EmbeddingPadded: padding id %d outside the vocabulary of %d", padding, weight.shape[0]))
	}
	if ids.dtype != Int32 {
		panic(fmt.Sprintf("tensor: EmbeddingPadded: ids have dtype %s, want int32", ids.dtype))
	}
	checkSameDevice2("EmbeddingPadded", weight, ids)
	flat := ids.reshapeRaw([]int{numel(ids.shape)})
	v, d := weight.shape[0], weight.shape[1]
	out := newLike2(weight, ids, weight.dtype, []int{flat.shape[0], d})
	weight.backend().IndexSelect(as3D(out, 0), as3D(mergeable3D(weight, 0), 0), flat.view())
	res := out.reshapeRaw(append(append([]int(nil), ids.shape...), d))
	if weight.needsGrad() {
		record(res, "EmbeddingPadded", func(g *Tensor) []*Tensor {
			dw := newLike(g, g.dtype, []int{v, d})
			b := g.backend()
			b.Fill(dw.view(), 0)
			g2 := g.reshapeRaw([]int{flat.shape[0], d})
			b.IndexAdd(as3D(dw, 0), flat.view(), as3D(mergeable3D(g2, 0), 0))
			b.Fill(dw.narrowRaw(0, padding, 1, 1).view(), 0)
			return []*Tensor{dw, nil}
		}, weight, ids)
	}
	return res
}
