package llama_test

import (
	"fmt"

	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
)

// A small Llama with grouped-query attention and Llama 3.1's RoPE
// scaling, from its configuration.
func Example() {
	c, _ := llama.Size("tiny")
	c.VocabSize, c.TieWordEmbeddings = 100, true
	c.RopeTheta = 500000
	c.RopeScaling = &llama.RopeScaling{RopeType: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 1024}
	m := llama.NewForCausalLM(c, tensor.NewGenerator(1))

	ids := tensor.FromSlice([]int32{1, 17, 42, 8, 99, 3}, 1, 6)
	out := m.Forward(lm.Inputs{IDs: ids, Labels: ids})
	fmt.Println(out.Logits.Shape(), c.NumAttentionHeads, c.NumKeyValueHeads)

	// The same logits, one token at a time through the KV cache.
	cache := m.NewCache(1)
	var last *tensor.Tensor
	for i := range 6 {
		last = m.Step(ids.Narrow(1, i, 1), nil, cache)
	}
	fmt.Println(last.ArgMax(1).Item() == out.Logits.Select(1, 5).ArgMax(1).Item())
	// Output:
	// [1 6 100] 4 2
	// true
}
