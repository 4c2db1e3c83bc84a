// Package lm holds what the decoder-only language models of goformer
// (models/gpt, models/llama) share above their transformer stack: the
// inputs and outputs of a full-sequence pass, position ids derived from an
// attention mask, the shifted next-token loss, and the decoding step with
// a KV cache through which every family implements generate.Model, the
// language-model head, and the reading of a family's config.json.
//
// A family describes its model as Parts — how it embeds tokens, its
// transformer.Stack, its head — and calls Parts.Forward and Parts.Step;
// users call the family's methods, which return these package's types.
package lm

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Inputs is a batch for a full-sequence pass.
type Inputs struct {
	// IDs [B, T] (Int32) are the tokens.
	IDs *tensor.Tensor
	// Mask [B, T] (Int32) is Hugging Face's attention_mask: 1 for a
	// token, 0 for padding (left or right); nil means no padding.
	// Position ids are derived from it as in Hugging Face's generation
	// (the count of tokens before each one), so that a left-padded row
	// gives what it gives alone.
	Mask *tensor.Tensor
	// Labels [B, T] (Int32), when set, are the targets of a language-model
	// loss, shifted inside as Hugging Face does (position t predicts
	// label t+1); -100 marks positions left out of the loss.
	Labels *tensor.Tensor
	// Hidden asks for the hidden states.
	Hidden bool
}

// Output is the result of a full-sequence pass.
type Output struct {
	// Logits [B, T, V] score the next token at every position.
	Logits *tensor.Tensor
	// Loss is the mean cross-entropy of the shifted labels (a scalar),
	// when Inputs.Labels is set.
	Loss *tensor.Tensor
	// Hidden, when asked for, holds the embeddings' output, the output of
	// every block but the last, and the final norm of the last:
	// Hugging Face's hidden_states (layers+1 tensors [B, T, D]).
	Hidden []*tensor.Tensor
}

// Parts is a decoder-only language model as the shared code sees it.
// A base model (without a head) leaves Head nil and runs Base.
type Parts struct {
	// Embed returns the input of the stack [B, T, D] for ids [B, T]
	// whose positions are positions [B, T] (Int32), or, when positions is
	// nil, offset, ..., offset+T-1 for every row.
	Embed func(ids, positions *tensor.Tensor, offset int) *tensor.Tensor
	// Stack is the blocks and the final norm.
	Stack *transformer.Stack
	// Head maps hidden states [..., D] to logits [..., V].
	Head func(h *tensor.Tensor) *tensor.Tensor
}

// Forward runs a full-sequence pass: logits at every position, and the
// loss and hidden states when asked for.
func (p Parts) Forward(in Inputs) Output {
	checkIDs("Forward", in.IDs)
	b, t := in.IDs.Dim(0), in.IDs.Dim(1)
	if in.Mask != nil {
		checkMask("Forward", in.Mask, b, t)
	}
	h, hidden := p.body(in.IDs, in.Mask, nil, in.Hidden)
	out := Output{Logits: p.Head(h), Hidden: hidden}
	if in.Labels != nil {
		if in.Labels.DType() != tensor.Int32 || !in.Labels.SameShape(in.IDs) {
			panic(fmt.Sprintf("lm: Forward: labels %s %v, want Int32 of the ids' shape %v", in.Labels.DType(), in.Labels.Shape(), in.IDs.Shape()))
		}
		out.Loss = ShiftedLoss(out.Logits, in.Labels)
	}
	return out
}

// Base runs the stack without a head: the last hidden state [B, T, D]
// (after the final norm), and the hidden states when in.Hidden is set.
// in.Labels and p.Head are ignored: a base model has no loss.
func (p Parts) Base(in Inputs) (last *tensor.Tensor, hidden []*tensor.Tensor) {
	p.Head = func(h *tensor.Tensor) *tensor.Tensor { return h }
	out := p.Forward(Inputs{IDs: in.IDs, Mask: in.Mask, Hidden: in.Hidden})
	return out.Logits, out.Hidden
}

// NewHead returns the language-model head over a token embedding whose
// weight is [V, D]: a bias-free Linear from D to V that is the
// embedding's transpose when tie is set (its weight is the embedding's
// tensor), or else a weight of its own drawn from N(0, std) (zeros when
// g is nil, to be loaded).
func NewHead(tokens *embed.Token, tie bool, std float64, g *tensor.Generator) *nn.Linear {
	if tie {
		return &nn.Linear{Weight: tokens.Weight}
	}
	h := nn.NewLinear(tokens.Weight.Dim(1), tokens.Weight.Dim(0), false, nil)
	if g != nil {
		g.Normal(h.Weight.Detach(), 0, std)
	}
	return h
}

// body embeds ids [B, T] that follow the cache's tokens and runs the
// stack; mask covers [B, cache.Len()+T].
func (p Parts) body(ids, mask *tensor.Tensor, cache *transformer.Cache, hidden bool) (*tensor.Tensor, []*tensor.Tensor) {
	t := ids.Dim(1)
	past := cache.Len()
	attn := attention.Mask{Causal: true}
	var pos *tensor.Tensor
	if mask != nil {
		if m := maskValues(mask); !allOnes(m) {
			pos = positions(m, mask.Dim(0), mask.Dim(1), t)
			attn.KeyMask = attention.Keep(mask)
		}
	}
	if pos != nil && pos.Device() != ids.Device() {
		pos = pos.To(ids.Device())
	}
	x := p.Embed(ids, pos, past)
	if hidden {
		return p.Stack.Hidden(x, pos, attn, cache)
	}
	return p.Stack.Forward(x, pos, attn, cache), nil
}

// NewCache returns an empty KV cache for Step: a *transformer.Cache,
// which holds the keys and values of every block.
func NewCache() generate.Cache { return &transformer.Cache{} }

// Step runs the model over ids [B, T] that follow the tokens cache holds,
// appends their keys and values to it, and returns the logits of the
// last position [B, V]: generate.Model's Step. mask [B, cache.Len()+T]
// (Int32, 1 = token) covers every position held after the step; nil
// means no padding. cache must come from NewCache.
func (p Parts) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	checkIDs("Step", ids)
	c := decoderCache("Step", cache)
	b, t := ids.Dim(0), ids.Dim(1)
	if mask != nil {
		checkMask("Step", mask, b, c.Len()+t)
	}
	if c.Len() > 0 {
		if k, _ := c.Layers[0].Self.Get(); k != nil && k.Dim(0) != b {
			panic(fmt.Sprintf("lm: Step: ids of %d rows for a cache of %d", b, k.Dim(0)))
		}
	}
	h, _ := p.body(ids, mask, c, false)
	return p.Head(h.Select(1, t-1))
}

// Positions returns the position ids [B, T] (Int32, on the CPU) of the
// last T columns of an attention mask [B, L+T] (1 = token): each token's
// count of tokens before it in its row, as Hugging Face's generation
// derives them (cumsum(mask) - 1), with 1 at padding, whose position
// nothing sees.
func Positions(mask *tensor.Tensor, t int) *tensor.Tensor {
	b, n := mask.Dim(0), mask.Dim(1)
	if t > n {
		panic(fmt.Sprintf("lm: Positions: %d positions from a mask of %d columns", t, n))
	}
	return positions(maskValues(mask), b, n, t)
}

// positions is Positions over the mask's values m [b, n].
func positions(m []int32, b, n, t int) *tensor.Tensor {
	pos := make([]int32, b*t)
	for r := range b {
		count := int32(0)
		for j := range n {
			if m[r*n+j] != 0 {
				count++
			}
			if k := j - (n - t); k >= 0 {
				if m[r*n+j] != 0 {
					pos[r*t+k] = count - 1
				} else {
					pos[r*t+k] = 1
				}
			}
		}
	}
	return tensor.FromSlice(pos, b, t)
}

// ShiftedLoss is the language-model loss of Hugging Face's causal LMs:
// the mean cross-entropy of logits [B, T, V] at positions 0..T-2 against
// labels [B, T] (Int32) at positions 1..T-1, leaving out labels of -100.
func ShiftedLoss(logits, labels *tensor.Tensor) *tensor.Tensor {
	t := logits.Dim(1)
	if t < 2 {
		panic(fmt.Sprintf("lm: ShiftedLoss: %d positions; a shifted loss needs 2 or more", t))
	}
	l := logits.Narrow(1, 0, t-1).Contiguous()
	y := labels.Narrow(1, 1, t-1).Contiguous()
	return tensor.CrossEntropy(l, y, tensor.IgnoreIndex(-100))
}

func maskValues(mask *tensor.Tensor) []int32 {
	m := mask.Detach()
	if m.Device() != tensor.CPU {
		m = m.To(tensor.CPU)
	}
	if m.DType() != tensor.Int32 {
		m = m.As(tensor.Int32)
	}
	return m.Contiguous().Int32s()
}

func allOnes(m []int32) bool {
	for _, v := range m {
		if v == 0 {
			return false
		}
	}
	return true
}

func checkIDs(op string, ids *tensor.Tensor) {
	if ids == nil || ids.Rank() != 2 || ids.DType() != tensor.Int32 || ids.Dim(1) == 0 {
		var s []int
		var dt tensor.DType
		if ids != nil {
			s, dt = ids.Shape(), ids.DType()
		}
		panic(fmt.Sprintf("lm: %s: ids %s %v, want Int32 [B, T] with T ≥ 1", op, dt, s))
	}
}

func checkMask(op string, mask *tensor.Tensor, b, n int) {
	if mask.Rank() != 2 || mask.Dim(0) != b || mask.Dim(1) != n {
		panic(fmt.Sprintf("lm: %s: attention mask %v, want [B, positions] = [%d %d] (every position held after the step)", op, mask.Shape(), b, n))
	}
	if mask.DType().IsFloat() {
		panic(fmt.Sprintf("lm: %s: attention mask of %s, want Int32 (1 token, 0 padding)", op, mask.DType()))
	}
}
