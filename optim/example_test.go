package optim_test

import (
	"fmt"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// A linear layer learns y = 2x - 1 with AdamW, weight decay on the weight
// only, a warm-up then linear decay, and clipping.
func Example() {
	model := nn.NewLinear(1, 1, true, tensor.NewGenerator(1))
	x := tensor.FromSlice([]float32{-1, 0, 1, 2}, 4, 1)
	y := tensor.FromSlice([]float32{-3, -1, 1, 3}, 4, 1)

	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(model), 0.1, 0.01)...)
	opt.Schedule = optim.Linear{Warmup: 10, Total: 300}
	opt.ClipNorm = 1
	for step := 0; step < 300; step++ {
		loss := nn.MSE(model.Forward(x), y, tensor.ReductionMean)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	fmt.Printf("w %.2f  b %.2f\n", model.Weight.Item(), model.Bias.Item())
	// Output: w 2.00  b -1.00
}
