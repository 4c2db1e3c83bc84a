package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// Write a checkpoint atomically, then open it and read one tensor.
func Example() {
	dir, _ := os.MkdirTemp("", "st")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	err := safetensors.WriteFile(path, map[string]*tensor.Tensor{
		"wte":          tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2),
		"position_ids": tensor.FromSlice([]int32{0, 1, 2}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}

	f, err := safetensors.Open(path) // memory-mapped; nothing read yet
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	fmt.Println(f.Names(), f.Metadata())
	info, _ := f.Info("wte")
	fmt.Println(info.DType, info.Shape)
	wte, _ := f.Float32("wte")
	fmt.Println(wte.Float32s())
	// Output:
	// [position_ids wte] map[format:pt]
	// F32 [3 2]
	// [1 2 3 4 5 6]
}
