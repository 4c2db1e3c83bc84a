package nn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// MyModel is a user-defined model: a plain struct of modules.
type MyModel struct {
	Hidden *nn.Linear    `nn:"hidden"`
	Norm   *nn.LayerNorm `nn:"norm"`
	Out    *nn.Linear    `nn:"classifier"`
	Drop   *nn.Dropout
}

func NewMyModel(g *tensor.Generator) *MyModel {
	return &MyModel{
		Hidden: nn.NewLinear(4, 8, true, g),
		Norm:   nn.NewLayerNorm(8, 1e-5),
		Out:    nn.NewLinear(8, 3, true, g),
		Drop:   nn.NewDropout(0.1, g),
	}
}

func (m *MyModel) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := nn.GELU.Apply(m.Hidden.Forward(x))
	return m.Out.Forward(m.Drop.Forward(m.Norm.Forward(h)))
}

// A custom model is a struct; its parameters are found and named from its
// fields.
func Example_customModel() {
	m := NewMyModel(tensor.NewGenerator(1))
	for _, p := range nn.Params(m) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	fmt.Println(nn.NumParams(m), "parameters")
	// Output:
	// hidden.weight [8 4]
	// hidden.bias [8]
	// norm.weight [8]
	// norm.bias [8]
	// classifier.weight [3 8]
	// classifier.bias [3]
	// 83 parameters
}

// Freeze the body and train only the classifier.
func ExampleFreezeMatching() {
	m := NewMyModel(tensor.NewGenerator(1))
	n, err := nn.FreezeMatching(m, "hidden", "norm")
	fmt.Println(n, err)
	for _, p := range nn.Trainable(m) {
		fmt.Println(p.Name)
	}
	// Output:
	// 4 <nil>
	// classifier.weight
	// classifier.bias
}

// One training step: forward, loss, backward. Gradients reach only the
// trainable parameters.
func ExampleTrain() {
	m := NewMyModel(tensor.NewGenerator(1))
	nn.Train(m)
	x := tensor.Ones(5, 4)
	y := tensor.FromSlice([]int32{0, 1, 2, 1, 0})
	loss := nn.CrossEntropy(m.Forward(x), y)
	loss.Backward()
	fmt.Println(m.Out.Weight.Grad().Shape())
	// Output:
	// [3 8]
}

// Checkpoints are safetensors files, written atomically and checked on
// load.
func ExampleSave() {
	dir, _ := os.MkdirTemp("", "nn")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	if err := nn.Save(path, NewMyModel(tensor.NewGenerator(1)), map[string]string{"format": "goformer"}); err != nil {
		fmt.Println(err)
		return
	}
	restored := NewMyModel(nil) // zeros, to be loaded
	fmt.Println(nn.Load(path, restored, nn.LoadOptions{}))

	// A model of another shape is refused with every difference listed.
	other := &MyModel{Hidden: nn.NewLinear(4, 16, true, nil), Norm: nn.NewLayerNorm(16, 1e-5), Out: nn.NewLinear(16, 3, true, nil)}
	err := nn.Load(path, other, nn.LoadOptions{})
	var le *nn.LoadError
	if errors.As(err, &le) {
		for _, m := range le.Mismatched {
			fmt.Println(m.Name, m.Model, m.File)
		}
	}
	// Output:
	// <nil>
	// hidden.weight [16 4] [8 4]
	// hidden.bias [16] [8]
	// norm.weight [16] [8]
	// norm.bias [16] [8]
	// classifier.weight [3 16] [3 8]
}

// A Detached view evaluates a model that is being trained: its forward
// passes record no graph, and it sees the optimizer's in-place updates.
func ExampleDetached() {
	model := nn.NewLinear(3, 2, true, tensor.NewGenerator(1))
	eval := nn.Detached(model)
	x := tensor.Ones(4, 3)
	fmt.Println(model.Forward(x).RequiresGrad(), eval.Forward(x).RequiresGrad())
	// An in-place update of the model (an optimizer step) shows in the view.
	model.Bias.Detach().Fill(10)
	fmt.Println(eval.Forward(x).Sub(model.Forward(x).Detach()).Abs().Max().Item())
	// Output:
	// true false
	// 0
}
