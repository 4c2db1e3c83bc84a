package transformer_test

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// An encoder over a padded batch.
func ExampleEncoder() {
	g := tensor.NewGenerator(1)
	enc := transformer.NewEncoder(transformer.Config{Dim: 32, Heads: 4, Act: nn.GELU}, 2, false, g)
	x := tensor.Zeros(2, 6, 32)
	g.Normal(x, 0, 1)
	keys := tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 6)
	h := enc.Forward(x, attention.Mask{KeyMask: attention.Keep(keys)})
	fmt.Println(h.Shape(), nn.NumParams(enc))
	fmt.Println(nn.Params(enc)[0].Name)
	// Output:
	// [2 6 32] 25408
	// layers.0.self_attn.in_proj_weight
}

// Greedy-style incremental decoding: the decoder sees one new token per
// step and keeps the keys and values of the previous ones in a Cache.
func ExampleDecoder() {
	g := tensor.NewGenerator(2)
	cfg := transformer.Config{Dim: 16, Heads: 2, NormFirst: true}
	dec := transformer.NewDecoder(cfg, 2, true, g)
	memory := tensor.Ones(1, 7, 16) // the encoder's output
	var cache transformer.Cache
	tok := tensor.Ones(1, 1, 16) // the start token's embedding
	for range 3 {
		y := dec.Forward(tok, memory, attention.Mask{Causal: true}, attention.Mask{}, &cache)
		tok = y // stand-in for embedding the chosen token
	}
	fmt.Println(cache.Len())
	// Output:
	// 3
}
