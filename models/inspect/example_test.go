package inspect_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/inspect"
	"github.com/goformer/goformer/tensor"
)

// A small BERT (two layers of two heads) looks at five tokens: one map
// per layer and head, each row a query's distribution over the keys.
func ExampleAttention() {
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 100, 32, 2, 2, 64
	model := bert.New(c, tensor.NewGenerator(1))
	ids := tensor.FromSlice([]int32{1, 20, 31, 42, 2}, 1, 5)

	maps, err := inspect.Attention(model, func(m *bert.Model) error {
		m.Forward(bert.Input{IDs: ids})
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range maps {
		sum := float32(0)
		for j := range a.Keys {
			sum += a.At(0, j)
		}
		fmt.Printf("%s %s %dx%d, first row sums to %.2f\n", a.Name(), a.Module, a.Queries, a.Keys, sum)
	}
	// Output:
	// layer00_head0 encoder.layer.0.self_attn 5x5, first row sums to 1.00
	// layer00_head1 encoder.layer.0.self_attn 5x5, first row sums to 1.00
	// layer01_head0 encoder.layer.1.self_attn 5x5, first row sums to 1.00
	// layer01_head1 encoder.layer.1.self_attn 5x5, first row sums to 1.00
}

// SaveHeatMaps draws every map as a PNG with the tokens on its axes.
func ExampleSaveHeatMaps() {
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 100, 32, 1, 2, 64
	model := bert.New(c, tensor.NewGenerator(1))
	tokens := []string{"[CLS]", "heat", "maps", "[SEP]"}
	ids := tensor.FromSlice([]int32{1, 50, 60, 2}, 1, 4)

	maps, err := inspect.Attention(model, func(m *bert.Model) error {
		m.Forward(bert.Input{IDs: ids})
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "attention")
	defer os.RemoveAll(dir)
	paths, err := inspect.SaveHeatMaps(dir, maps, inspect.HeatMapOptions{Queries: tokens, Keys: tokens})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// layer00_head0.png
	// layer00_head1.png
}
