package nntest_test

import (
	"fmt"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

// Check a layer against the PyTorch fixture of nn's tests: same weights,
// same input, same output and gradients.
func ExampleLoad() {
	cases, err := nntest.Load("../testdata/torch_layers.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cases {
		if c.Name != "layernorm_f32" {
			continue
		}
		ln := nn.NewLayerNorm(c.Int("dim"), c.Float("eps"))
		if err := nn.LoadStateDict(ln, c.Params, nn.LoadOptions{}); err != nil {
			fmt.Println(err)
			return
		}
		out := ln.Forward(c.In["x"])
		out.Backward(tensor.WithGrad(c.GOut))
		fmt.Println(nntest.RelErr(out, c.Out) <= nntest.OutputTol(c.DType))
		fmt.Println(nntest.RelErr(ln.Weight.Grad(), c.Grads["param.weight"]) <= nntest.GradTol(c.DType))
	}
	// Output:
	// true
	// true
}
