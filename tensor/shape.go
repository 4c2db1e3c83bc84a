package tensor

import (
	"fmt"
	"math"
)

// MaxRank is the largest number of dimensions a tensor may have.
const MaxRank = 16

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// checkShape panics unless shape is a valid tensor shape for op.
func checkShape(op string, shape []int) {
	if len(shape) > MaxRank {
		panic(fmt.Sprintf("tensor: %s: rank %d exceeds MaxRank %d", op, len(shape), MaxRank))
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: %s: negative dimension in shape %v", op, shape))
		}
		if d != 0 && n > math.MaxInt/d {
			panic(fmt.Sprintf("tensor: %s: shape %v has too many elements", op, shape))
		}
		n *= d
	}
}

// contiguousStrides writes the row-major strides of shape into strides.
func contiguousStrides(shape, strides []int) {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= max(shape[i], 1)
	}
}

func isContiguous(shape, strides []int) bool {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 1 {
			continue
		}
		if shape[i] == 0 {
			return true
		}
		if strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

func equalShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis maps a possibly negative axis into [0, rank) or panics.
func normAxis(op string, axis, rank int) int {
	if axis < -rank || axis >= rank {
		panic(fmt.Sprintf("tensor: %s: axis %d out of range for rank %d", op, axis, rank))
	}
	if axis < 0 {
		axis += rank
	}
	return axis
}

// broadcastShapes returns the NumPy broadcast of a and b or panics naming op.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			panic(fmt.Sprintf("tensor: %s: shapes %v and %v cannot broadcast", op, a, b))
		}
	}
	return out
}

// broadcastable reports whether shape can expand to target.
func broadcastable(shape, target []int) bool {
	if len(shape) > len(target) {
		return false
	}
	off := len(target) - len(shape)
	for i, d := range shape {
		if d != 1 && d != target[off+i] {
			return false
		}
	}
	return true
}

// inferShape resolves a single -1 in shape against n elements.
func inferShape(op string, shape []int, n int) []int {
	out := make([]int, len(shape))
	copy(out, shape)
	neg := -1
	known := 1
	for i, d := range shape {
		switch {
		case d == -1:
			if neg >= 0 {
				panic(fmt.Sprintf("tensor: %s: more than one -1 in shape %v", op, shape))
			}
			neg = i
		case d < 0:
			panic(fmt.Sprintf("tensor: %s: negative dimension in shape %v", op, shape))
		default:
			known *= d
		}
	}
	if neg >= 0 {
		if known == 0 || n%known != 0 {
			panic(fmt.Sprintf("tensor: %s: cannot infer -1 in shape %v for %d elements", op, shape, n))
		}
		out[neg] = n / known
	} else if known != n {
		panic(fmt.Sprintf("tensor: %s: shape %v has %d elements, tensor has %d", op, shape, known, n))
	}
	return out
}

// viewStrides computes strides that let a tensor with (oldShape, oldStrides)
// be seen with newShape without copying, as PyTorch's view does; ok is false
// when the layout does not allow it.
func viewStrides(oldShape, oldStrides, newShape []int) (strides []int, ok bool) {
	strides = make([]int, len(newShape))
	if numel(oldShape) == 0 {
		contiguousStrides(newShape, strides)
		return strides, true
	}
	// Walk old dims from the back, grouping runs that are contiguous
	// among themselves; each group must map to a run of new dims.
	viewD := len(newShape) - 1
	chunkBase := 0
	tensorElems := 1
	viewElems := 1
	if len(oldShape) > 0 {
		chunkBase = oldStrides[len(oldStrides)-1]
	}
	for d := len(oldShape) - 1; d >= 0; d-- {
		tensorElems *= oldShape[d]
		if d == 0 || (oldShape[d-1] != 1 && oldStrides[d-1] != tensorElems*chunkBase) {
			for viewD >= 0 && (viewElems < tensorElems || newShape[viewD] == 1) {
				strides[viewD] = viewElems * chunkBase
				viewElems *= newShape[viewD]
				viewD--
			}
			if viewElems != tensorElems {
				return nil, false
			}
			if d > 0 {
				chunkBase = oldStrides[d-1]
				tensorElems = 1
				viewElems = 1
			}
		}
	}
	if viewD != -1 {
		return nil, false
	}
	return strides, true
}
