package gemm_test

import (
	"fmt"

	"github.com/goformer/goformer/tensor/internal/gemm"
)

func ExampleSgemm() {
	// C (2×2) = A (2×3) · B (3×2), row-major.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 0, 1, 1, 1}
	c := make([]float32, 4)
	gemm.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [4 5 10 11]
}

func ExampleSgemm_transposed() {
	// C = A·Bᵀ with B stored as 2×3 (a Linear layer's weight [out, in]).
	a := []float32{1, 2, 3}
	w := []float32{1, 1, 1, 0, 1, 0}
	c := make([]float32, 2)
	gemm.Sgemm(false, true, 1, 2, 3, 1, a, 3, w, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [6 2]
}

func ExampleSgemmBatch() {
	// Two 1×2 by 2×1 products sharing B.
	a := []float32{1, 2, 3, 4}
	b := []float32{10, 1}
	c := make([]float32, 2)
	gemm.SgemmBatch(false, false, 1, 1, 2, 1, a, 2, b, 1, 0, c, 1,
		gemm.Batch{Count: 2, AOffsets: []int{0, 2}, COffsets: []int{0, 1}})
	fmt.Println(c)
	// Output: [12 34]
}
