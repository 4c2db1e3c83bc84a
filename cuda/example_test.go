package cuda_test

import (
	"fmt"

	"github.com/goformer/goformer/cuda"
	"github.com/goformer/goformer/tensor"
)

// Moving a computation to the GPU when there is one: the same code runs on
// the CPU otherwise.
func Example() {
	dev := tensor.CPU
	if cuda.Available() {
		dev = cuda.Device(0)
	}
	x := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2).To(dev)
	y := x.MatMul(x).Softmax(-1)
	fmt.Printf("%.4f\n", y.To(tensor.CPU).Float32s())
	// Output: [0.0474 0.9526 0.0009 0.9991]
}

// Asking why the GPU cannot be used.
func ExampleDeviceCount() {
	n, err := cuda.DeviceCount()
	if err != nil {
		fmt.Println("no GPU backend")
		return
	}
	fmt.Println(n >= 0)
}
