package tensor

import "fmt"

// Concat joins tensors along axis, as PyTorch's cat: all must have the same
// rank, dtype and device, and equal sizes in every other dimension.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor: Concat: no tensors")
	}
	checkNotNil("Concat", ts...)
	first := ts[0]
	r := len(first.shape)
	if r == 0 {
		panic("tensor: Concat: cannot concatenate scalars (Stack them)")
	}
	axis = normAxis("Concat", axis, r)
	total := 0
	for _, t := range ts {
		checkSameDevice2("Concat", first, t)
		checkSameDType2("Concat", first, t)
		if len(t.shape) != r {
			panic(fmt.Sprintf("tensor: Concat: shapes %v and %v differ in rank", first.shape, t.shape))
		}
		for i := range r {
			if i != axis && t.shape[i] != first.shape[i] {
				panic(fmt.Sprintf("tensor: Concat: shapes %v and %v differ outside axis %d", first.shape, t.shape, axis))
			}
		}
		total += t.shape[axis]
	}
	shape := append([]int(nil), first.shape...)
	shape[axis] = total
	out := newIn(scopeOf(ts...), first.buf.backend, first.dtype, shape)
	b := first.backend()
	off := 0
	for _, t := range ts {
		n := t.shape[axis]
		if n > 0 {
			b.Copy(out.narrowRaw(axis, off, n, 1).view(), t.view())
		}
		off += n
	}
	if anyNeedsGrad(ts...) {
		sizes := make([]int, len(ts))
		for i, t := range ts {
			sizes[i] = t.shape[axis]
		}
		record(out, "Concat", func(g *Tensor) []*Tensor {
			gs := make([]*Tensor, len(sizes))
			off := 0
			for i, n := range sizes {
				if ts[i].needsGrad() {
					gs[i] = g.narrowRaw(axis, off, n, 1)
				}
				off += n
			}
			return gs
		}, ts...)
	}
	return out
}

// Stack joins tensors of one shape along a new dimension at axis.
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor: Stack: no tensors")
	}
	checkNotNil("Stack", ts...)
	axis = normAxis("Stack", axis, len(ts[0].shape)+1)
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !t.SameShape(ts[0]) {
			panic(fmt.Sprintf("tensor: Stack: shapes %v and %v differ", ts[0].shape, t.shape))
		}
		us[i] = t.Unsqueeze(axis)
	}
	return Concat(axis, us...)
}

// Split cuts t along axis into views of the given sizes, which must add up
// to the dimension.
func (t *Tensor) Split(axis int, sizes ...int) []*Tensor {
	axis = normAxis("Split", axis, len(t.shape))
	sum := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("tensor: Split: negative size in %v", sizes))
		}
		sum += s
	}
	if sum != t.shape[axis] {
		panic(fmt.Sprintf("tensor: Split: sizes %v add up to %d, dimension %d of shape %v is %d", sizes, sum, axis, t.shape, t.shape[axis]))
	}
	out := make([]*Tensor, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = t.Narrow(axis, off, s)
		off += s
	}
	return out
}

// Chunk cuts t along axis into n views of equal size (the last may be
// smaller), as PyTorch's chunk; fewer come back when the dimension is
// smaller than n.
func (t *Tensor) Chunk(axis, n int) []*Tensor {
	if n <= 0 {
		panic(fmt.Sprintf("tensor: Chunk: %d chunks", n))
	}
	axis = normAxis("Chunk", axis, len(t.shape))
	d := t.shape[axis]
	size := (d + n - 1) / n
	if size == 0 {
		return []*Tensor{t.Narrow(axis, 0, 0)}
	}
	var sizes []int
	for off := 0; off < d; off += size {
		sizes = append(sizes, min(size, d-off))
	}
	return t.Split(axis, sizes...)
}
