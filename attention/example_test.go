package attention_test

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/tensor"
)

// Causal self-attention over a padded batch.
func ExampleScaledDotProduct() {
	g := tensor.NewGenerator(1)
	q, k, v := tensor.Zeros(2, 4, 5, 8), tensor.Zeros(2, 4, 5, 8), tensor.Zeros(2, 4, 5, 8)
	for _, x := range []*tensor.Tensor{q, k, v} {
		g.Normal(x, 0, 1)
	}
	// The second sequence has two padding tokens at the end.
	keys := tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5)
	out := attention.ScaledDotProduct(q, k, v, attention.Options{
		Mask: attention.Mask{Causal: true, KeyMask: attention.Keep(keys)},
	})
	fmt.Println(out.Shape())
	// Output:
	// [2 4 5 8]
}

// Attention weights, for inspection.
func ExampleScaledDotProductWeights() {
	q := tensor.FromSlice([]float32{1, 0, 0, 1}, 1, 1, 2, 2)
	k := tensor.FromSlice([]float32{20, 0, 0, 20}, 1, 1, 2, 2)
	_, w := attention.ScaledDotProductWeights(q, k, k, attention.Options{Mask: attention.Mask{Causal: true}})
	fmt.Printf("%.3f\n", w.Float32s())
	// Output:
	// [1.000 0.000 0.000 1.000]
}

// Generation with a KV cache: the prompt first, then one token at a time.
func ExampleMultiHead_Forward() {
	mha := attention.New(attention.Config{Dim: 16, Heads: 4, KVHeads: 2, Rotary: true, MaxLen: 64}, tensor.NewGenerator(1))
	prompt := tensor.Ones(1, 5, 16)
	var cache attention.Cache
	y := mha.Forward(prompt, attention.Mask{Causal: true}, &cache)
	next := y.Narrow(1, 4, 1) // stand-in for the next token's embedding
	y = mha.Forward(next, attention.Mask{Causal: true}, &cache)
	fmt.Println(y.Shape(), cache.Len())
	// Output:
	// [1 1 16] 6
}
