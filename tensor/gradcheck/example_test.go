package gradcheck_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

// Check the gradient of a small composite function of two inputs, one of
// them broadcast.
func ExampleCheck() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandN(rng, 3, 4).As(tensor.Float64).SetRequiresGrad(true)
	b := tensor.RandN(rng, 4).As(tensor.Float64).SetRequiresGrad(true)
	err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
		return in[0].Add(in[1]).Tanh().Mul(in[0])
	}, []*tensor.Tensor{x, b}, gradcheck.Options{})
	fmt.Println(err)
	// Output: <nil>
}
