package train_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/train"
)

// A linear model learns y = 3x from 32 examples in batches of 8, with
// AdamW; the loop shuffles, batches and (given Dir) would checkpoint.
func Example() {
	model := nn.NewLinear(1, 1, false, tensor.NewGenerator(1))
	xs := make([]float32, 32)
	for i := range xs {
		xs[i] = float32(i)/16 - 1
	}
	x := tensor.FromSlice(xs, 32, 1)
	y := x.Scale(3)
	res, err := train.Run(context.Background(), train.Config{
		Model:     model,
		Optimizer: optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(model), 0.1, 0)...),
		Examples:  32,
		BatchSize: 8,
		Epochs:    50,
		Seed:      1,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			idx := make([]int32, len(b.Indices))
			for i, j := range b.Indices {
				idx[i] = int32(j)
			}
			sel := tensor.FromSlice(idx)
			// Adopted by the step's scope, the inputs make every tensor
			// of the step recyclable when it ends.
			xb, yb := b.Scope.Use(x), b.Scope.Use(y)
			return nn.MSE(model.Forward(xb.IndexSelect(0, sel)), yb.IndexSelect(0, sel), tensor.ReductionMean), nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d steps, w = %.2f\n", res.Steps, model.Weight.Item())
	// Output: 200 steps, w = 3.00
}
