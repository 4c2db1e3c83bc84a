// Package strided holds layout rules for strided tensors that more than
// one backend needs (the CPU backend of package tensor and package cuda).
package strided

// FoldableBatch reports whether a batched product A·B, A of shape
// [..., m, k] and B of shape [..., k, n] with broadcast batch dimensions
// already expanded (stride 0), can run as one product: A's batch and row
// dimensions merge into one row dimension with A's row stride, and B's
// batch strides are all zero (one B shared by the whole batch).
func FoldableBatch(aShape, aStrides, bShape, bStrides []int) bool {
	r := len(aShape)
	for i := 0; i < r-2; i++ {
		if bStrides[i] != 0 && bShape[i] != 1 {
			return false
		}
	}
	if aStrides[r-1] != 1 && aShape[r-1] != 1 {
		return false
	}
	// Walk from the row dimension outward: each dimension's stride must
	// equal the next inner one's stride times its size.
	stride, size := aStrides[r-2], aShape[r-2]
	if size > 1 && stride < aShape[r-1] {
		return false
	}
	for i := r - 3; i >= 0; i-- {
		if aShape[i] == 1 {
			continue
		}
		if aStrides[i] != stride*size {
			return false
		}
		stride, size = aStrides[i], aShape[i]
	}
	return true
}
