package vec_test

import (
	"fmt"

	"github.com/goformer/goformer/internal/vec"
)

func ExampleSoftmax() {
	x := []float32{1, 2, 3, 0, 0, 0}
	y := make([]float32, len(x))
	vec.Softmax(y, x, 3) // two rows of three
	fmt.Printf("%.4f\n", y)
	// Output: [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
}

func ExampleLayerNorm() {
	x := []float32{1, 2, 3, 4}
	y := make([]float32, 4)
	mean, rstd := make([]float32, 1), make([]float32, 1)
	vec.LayerNorm(y, x, nil, nil, 4, 1e-5, mean, rstd) // one row, no affine parameters
	fmt.Printf("%.3f mean=%.1f\n", y, mean[0])
	// Output: [-1.342 -0.447 0.447 1.342] mean=2.5
}

func ExampleGELU() {
	x := []float32{-3, -1, 0, 1, 3}
	y := make([]float32, len(x))
	vec.GELU(y, x)
	fmt.Printf("%.4f\n", y)
	// Output: [-0.0040 -0.1587 0.0000 0.8413 2.9960]
}

func ExampleAdamW_Update() {
	p := []float32{1, -1}
	g := []float32{0.5, -0.5}
	m, v := make([]float32, 2), make([]float32, 2)
	opt := vec.AdamW{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	opt.Update(1, p, g, m, v) // the first step moves each parameter by LR
	fmt.Printf("%.3f\n", p)
	// Output: [0.900 -0.900]
}
