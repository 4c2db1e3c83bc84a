package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// FromDense returns a float64 CPU tensor [rows, cols] holding a copy of m.
func FromDense(m mat.Matrix) *Tensor {
	r, c := m.Dims()
	data := make([]float64, r*c)
	for i := range r {
		for j := range c {
			data[i*c+j] = m.At(i, j)
		}
	}
	return FromSlice(data, r, c)
}

// ToDense returns a copy of a 2-D tensor as a gonum matrix (converted to
// float64, copied from any device).
func (t *Tensor) ToDense() *mat.Dense {
	if len(t.shape) != 2 {
		panic(fmt.Sprintf("tensor: ToDense: tensor of shape %v is not 2-D", t.shape))
	}
	if t.shape[0] == 0 || t.shape[1] == 0 {
		panic(fmt.Sprintf("tensor: ToDense: gonum matrices cannot be empty (shape %v)", t.shape))
	}
	return mat.NewDense(t.shape[0], t.shape[1], t.Float64s())
}
