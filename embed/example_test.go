package embed_test

import (
	"fmt"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/tensor"
)

// The input layer of a BERT-style encoder: token, position and segment
// embeddings summed.
func ExampleToken() {
	g := tensor.NewGenerator(1)
	tok := embed.NewToken(100, 8, g)
	pos := embed.NewLearned(16, 8, g)
	seg := embed.NewToken(2, 8, g)

	ids := tensor.FromSlice([]int32{5, 17, 42, 9, 3, 1}, 2, 3) // [batch, time]
	types := tensor.FromSlice([]int32{0, 0, 1, 0, 1, 1}, 2, 3)
	x := tok.Forward(ids).Add(pos.Forward(0, 3)).Add(seg.Forward(types))
	fmt.Println(x.Shape())
	// Output:
	// [2 3 8]
}

// Rotary embeddings rotate queries and keys [batch, heads, time, headDim];
// the offset is the number of tokens a KV cache already holds.
func ExampleRotary() {
	rope := embed.NewRotary(64, 2048, 10000, false)
	q := tensor.Ones(1, 12, 4, 64)
	fmt.Println(rope.Apply(q, 0).Shape(), rope.Apply(q.Narrow(2, 3, 1), 3).Shape())
	// Output:
	// [1 12 4 64] [1 12 1 64]
}

// Initialise a tokenizer's embedding table from pre-trained word vectors.
func ExampleFromVectors() {
	vectors := wordvec.New([]string{"the", "cat"}, 2, []float32{0.1, 0.2, 0.3, 0.4})
	vocab := []string{"[PAD]", "The", "cat"}
	e, cov, err := embed.FromVectors(vectors, vocab, embed.VectorOptions{Lowercase: true, Missing: embed.MissingZero})
	fmt.Println(err, cov.Exact, cov.Lowercased, cov.Missing)
	fmt.Println(e.Weight.Float32s())
	// Output:
	// <nil> 1 1 [[PAD]]
	// [0 0 0.1 0.2 0.3 0.4]
}
