package cuda

import (
	"fmt"
	"unsafe"
)

// Strided operands reach the kernels as a gf_layout<N> (kernels/
// gf_common.cuh): the element count, the rank after coalescing, the
// shape and each operand's strides, all in elements.
const (
	maxLayoutRank = 8
	maxLayoutOps  = 6
)

// layout describes up to maxLayoutOps operands of one shape.
type layout struct {
	n     int64
	rank  int
	nops  int
	shape [maxLayoutRank]int64
	str   [maxLayoutOps][maxLayoutRank]int64
}

// layoutSize is the byte size of gf_layout<nops>.
func layoutSize(nops int) int { return 16 + 8*maxLayoutRank + 8*maxLayoutRank*nops }

// makeLayout coalesces the dimensions of operands that all have the given
// shape: size-1 dimensions go, and neighbours that are contiguous in every
// operand merge. It reports false when more than maxLayoutRank dimensions
// remain (the caller then takes another path).
func makeLayout(shape []int, strides ...[]int) (layout, bool) {
	var l layout
	l.nops = len(strides)
	if l.nops > maxLayoutOps {
		panic(fmt.Sprintf("cuda: layout of %d operands", l.nops))
	}
	n := int64(1)
	for _, d := range shape {
		n *= int64(d)
	}
	l.n = n
	// Dimensions of size 1 carry no information.
	var dims []int
	for i, d := range shape {
		if d != 1 {
			dims = append(dims, i)
		}
	}
	var sh [16]int64
	var st [maxLayoutOps][16]int64
	r := 0
	for _, i := range dims {
		// Merge into the previous dimension when contiguous in all.
		if r > 0 {
			merge := true
			for k := range l.nops {
				if st[k][r-1] != int64(strides[k][i])*int64(shape[i]) {
					merge = false
					break
				}
			}
			if merge {
				sh[r-1] *= int64(shape[i])
				for k := range l.nops {
					st[k][r-1] = int64(strides[k][i])
				}
				continue
			}
		}
		if r == len(sh) {
			return l, false
		}
		sh[r] = int64(shape[i])
		for k := range l.nops {
			st[k][r] = int64(strides[k][i])
		}
		r++
	}
	if r == 0 { // a single element
		sh[0] = 1
		if n == 0 {
			sh[0] = 0
		}
		r = 1
	}
	if r > maxLayoutRank {
		return l, false
	}
	l.rank = r
	copy(l.shape[:], sh[:r])
	for k := range l.nops {
		copy(l.str[k][:], st[k][:r])
	}
	return l, true
}

// contiguous reports whether every operand is dense and in order.
func (l *layout) contiguous() bool {
	if l.rank != 1 {
		return false
	}
	for k := range l.nops {
		if l.str[k][0] != 1 && l.shape[0] > 1 {
			return false
		}
	}
	return true
}

// layout appends a gf_layout<l.nops> parameter.
func (a *argBuffer) layout(l *layout) {
	size := layoutSize(l.nops)
	p := a.slot(pStruct, size, 8)
	b := unsafe.Slice((*int64)(p), size/8)
	b[0] = l.n
	*(*int32)(unsafe.Pointer(&b[1])) = int32(l.rank)
	*(*int32)(unsafe.Add(unsafe.Pointer(&b[1]), 4)) = 0
	copy(b[2:2+maxLayoutRank], l.shape[:])
	for k := range l.nops {
		copy(b[2+maxLayoutRank*(k+1):2+maxLayoutRank*(k+2)], l.str[k][:])
	}
}
