package embed

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Token is a table of embeddings, one row per id: PyTorch's nn.Embedding.
// Segment (token-type) embeddings are Tokens with a small vocabulary.
type Token struct {
	// Weight is [vocabulary, dim].
	Weight *tensor.Tensor
	// PaddingIdx, when non-negative, is an id whose row receives no
	// gradient (PyTorch's padding_idx); -1 for none.
	PaddingIdx int `nn:"-"`
}

// NewToken returns a float32 table of vocab rows of dim values drawn from
// N(0, 1) with g, as PyTorch initialises nn.Embedding (with a nil g the
// table stays zero, to be loaded). It has no padding index.
func NewToken(vocab, dim int, g *tensor.Generator) *Token {
	if vocab <= 0 || dim <= 0 {
		panic(fmt.Sprintf("embed: NewToken: sizes vocab=%d, dim=%d must be positive", vocab, dim))
	}
	w := tensor.Zeros(vocab, dim)
	if g != nil {
		g.Normal(w, 0, 1)
	}
	return &Token{Weight: w.SetRequiresGrad(true), PaddingIdx: -1}
}

// WithPadding sets the padding id, zeroes its row (as PyTorch does at
// construction) and returns e.
func (e *Token) WithPadding(idx int) *Token {
	if idx < 0 || idx >= e.Vocab() {
		panic(fmt.Sprintf("embed: WithPadding: id %d outside the vocabulary of %d", idx, e.Vocab()))
	}
	e.PaddingIdx = idx
	e.Weight.Detach().Narrow(0, idx, 1).Fill(0)
	return e
}

// Vocab returns the number of rows.
func (e *Token) Vocab() int { return e.Weight.Dim(0) }

// Dim returns the embedding size.
func (e *Token) Dim() int { return e.Weight.Dim(1) }

// Forward looks up Int32 ids of any shape and returns ids.shape + [dim].
// Ids outside [0, vocabulary) panic with a message naming the id.
func (e *Token) Forward(ids *tensor.Tensor) *tensor.Tensor {
	if ids.DType() != tensor.Int32 {
		panic(fmt.Sprintf("embed: Token: ids must be int32, not %s", ids.DType()))
	}
	if e.PaddingIdx < 0 || !e.Weight.RequiresGrad() {
		return tensor.Embedding(e.Weight, ids)
	}
	return tensor.EmbeddingPadded(e.Weight, ids, e.PaddingIdx)
}

// NewSegment returns a segment (token-type) embedding for the given number
// of types (2 in BERT), initialised as NewToken: BERT's
// "token_type_embeddings".
func NewSegment(types, dim int, g *tensor.Generator) *Token { return NewToken(types, dim, g) }
