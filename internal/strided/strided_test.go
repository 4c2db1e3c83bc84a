package strided

import "testing"

func TestFoldableBatch(t *testing.T) {
	for _, c := range []struct {
		name             string
		aShape, aStrides []int
		bShape, bStrides []int
		want             bool
	}{
		{"dense A, shared B", []int{4, 3, 5}, []int{15, 5, 1}, []int{4, 5, 2}, []int{0, 2, 1}, true},
		{"a size-1 batch dim with any stride", []int{4, 1, 3, 5}, []int{15, 99, 5, 1}, []int{4, 1, 5, 2}, []int{0, 0, 2, 1}, true},
		{"padded rows of A (row stride 8)", []int{4, 3, 5}, []int{24, 8, 1}, []int{4, 5, 2}, []int{0, 2, 1}, true},
		{"a gap between A's matrices", []int{4, 3, 5}, []int{16, 5, 1}, []int{4, 5, 2}, []int{0, 2, 1}, false},
		{"one B per batch element", []int{4, 3, 5}, []int{15, 5, 1}, []int{4, 5, 2}, []int{10, 2, 1}, false},
		{"A transposed in its last two dims", []int{4, 3, 5}, []int{15, 1, 3}, []int{4, 5, 2}, []int{0, 2, 1}, false},
		{"rows overlapping (row stride below k)", []int{4, 3, 5}, []int{12, 4, 1}, []int{4, 5, 2}, []int{0, 2, 1}, false},
	} {
		if got := FoldableBatch(c.aShape, c.aStrides, c.bShape, c.bStrides); got != c.want {
			t.Errorf("%s: FoldableBatch = %v, want %v", c.name, got, c.want)
		}
	}
}
