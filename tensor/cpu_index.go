package tensor

import (
	"fmt"

	"github.com/goformer/goformer/internal/parallel"
)

// indices reads a 1-D Int32 index view and checks every value against n.
func indices(op string, index View, n int) []int32 {
	k := index.Numel()
	src := i32s(index)
	inc := lastStride(index)
	out := make([]int32, k)
	for i := range k {
		v := src[index.Offset+i*inc]
		if v < 0 || int(v) >= n {
			panic(fmt.Sprintf("tensor: %s: index %d at position %d is out of range [0, %d)", op, v, i, n))
		}
		out[i] = v
	}
	return out
}

func (cpu) IndexSelect(dst, x, index View) {
	if index.DType() != Int32 {
		panic(fmt.Sprintf("tensor: IndexSelect: index dtype is %s, want int32", index.DType()))
	}
	idx := indices("IndexSelect", index, x.Shape[1])
	switch x.DType() {
	case Float32:
		indexSelect(f32s(dst), f32s(x), dst, x, idx)
	case Float64:
		indexSelect(f64s(dst), f64s(x), dst, x, idx)
	case Int32:
		indexSelect(i32s(dst), i32s(x), dst, x, idx)
	default:
		indexSelect(u16s(dst), u16s(x), dst, x, idx)
	}
}

func indexSelect[T any](d, s []T, dst, x View, idx []int32) {
	outer, k, inner := dst.Shape[0], dst.Shape[1], dst.Shape[2]
	rows := outer * k
	parallel.For(rows, rowGrain(inner), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, i := r/k, r%k
			so := x.Offset + o*x.Strides[0] + int(idx[i])*x.Strides[1]
			do := dst.Offset + o*dst.Strides[0] + i*dst.Strides[1]
			if dst.Strides[2] == 1 {
				gather(d[do:do+inner], s, so, x.Strides[2])
				continue
			}
			for j := range inner {
				d[do+j*dst.Strides[2]] = s[so+j*x.Strides[2]]
			}
		}
	})
}

func (cpu) IndexAdd(dst, index, src View) {
	if index.DType() != Int32 {
		panic(fmt.Sprintf("tensor: IndexAdd: index dtype is %s, want int32", index.DType()))
	}
	idx := indices("IndexAdd", index, dst.Shape[1])
	switch dst.DType() {
	case Float32:
		indexAdd(f32s(dst), f32s(src), dst, src, idx)
	case Float64:
		indexAdd(f64s(dst), f64s(src), dst, src, idx)
	case Int32:
		indexAdd(i32s(dst), i32s(src), dst, src, idx)
	default:
		unsupported("IndexAdd", dst.DType())
	}
}

// indexAdd splits the work over (outer, column block) pairs, so that
// repeated indices accumulate on one worker, in index order.
func indexAdd[T number](d, s []T, dst, src View, idx []int32) {
	outer, inner := dst.Shape[0], dst.Shape[2]
	const block = 256
	nb := (inner + block - 1) / block
	parallel.For(outer*nb, max(1, elemGrain/max(len(idx)*block, 1)), func(lo, hi int) {
		for t := lo; t < hi; t++ {
			o, b := t/nb, t%nb
			j0, j1 := b*block, min(inner, (b+1)*block)
			for i, r := range idx {
				so := src.Offset + o*src.Strides[0] + i*src.Strides[1]
				do := dst.Offset + o*dst.Strides[0] + int(r)*dst.Strides[1]
				ds, ss := dst.Strides[2], src.Strides[2]
				if ds == 1 && ss == 1 {
					drow, srow := d[do+j0:do+j1], s[so+j0:so+j1]
					for j, v := range srow {
						drow[j] += v
					}
					continue
				}
				for j := j0; j < j1; j++ {
					d[do+j*ds] += s[so+j*ss]
				}
			}
		}
	})
}
