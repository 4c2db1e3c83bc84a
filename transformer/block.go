package transformer

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Block is the block of a decoder-only transformer (GPT-2, LLaMA, Mistral,
// Qwen2): two pre-norm sublayers added to the residual stream,
//
//	x = x + Dropout1(SelfAttn(Norm1(x)))   causal self-attention
//	x = x + Dropout2(MLP(Norm2(x)))        feed-forward (gated for SwiGLU)
//
// that decodes incrementally: with a KV cache, x holds only the tokens
// that follow those the cache holds, and their keys and values are
// appended to it. Its parameter names are EncoderLayer's (self_attn,
// linear1, gate, linear2, norm1, norm2); a model family maps the names of
// its checkpoints onto them.
type Block struct {
	SelfAttn *attention.MultiHead `nn:"self_attn"`
	MLP      *nn.MLP              `nn:",inline"`
	Norm1    Norm                 `nn:"norm1"`
	Norm2    Norm                 `nn:"norm2"`
	Dropout1 *nn.Dropout          `nn:"dropout1"`
	Dropout2 *nn.Dropout          `nn:"dropout2"`
}

// NewBlock returns a decoder-only block initialised from g as PyTorch
// initialises its layers (nil: zeros, to be loaded). NormFirst is
// implied.
func NewBlock(c Config, g *tensor.Generator) *Block {
	c = c.check("NewBlock")
	a := c
	if c.AttnDropout != 0 || c.ResidDropout != 0 {
		a.Dropout = c.AttnDropout
	}
	resid := c.Dropout
	if c.AttnDropout != 0 || c.ResidDropout != 0 {
		resid = c.ResidDropout
	}
	return &Block{
		SelfAttn: a.attention(g, true), MLP: c.mlp(g),
		Norm1: c.norm(), Norm2: c.norm(),
		Dropout1: nn.NewDropout(resid, g), Dropout2: nn.NewDropout(resid, g),
	}
}

// Forward maps x [B, T, Dim] to [B, T, Dim]. mask restricts
// self-attention over the cached and new tokens, [cache.Len()+T] keys:
// Causal, with a KeyMask for padding. positions [B, T] (Int32) are the
// rotary positions of x's tokens (a left-padded row counts from its first
// token); nil means cache.Len(), ..., cache.Len()+T-1. cache may be nil.
func (b *Block) Forward(x, positions *tensor.Tensor, mask attention.Mask, cache *attention.Cache) *tensor.Tensor {
	checkInput("Block", x, b.SelfAttn.Out.Out())
	x, h := addNorm(x, b.Dropout1.Forward(b.SelfAttn.ForwardAt(b.Norm1.Forward(x), positions, mask, cache)), b.Norm2)
	return residual(x, b.Dropout2.Forward(b.MLP.Forward(h)))
}

// Stack is a decoder-only transformer without its embeddings and head: a
// sequence of Blocks and a final norm (names layers.N..., norm).
type Stack struct {
	Layers []*Block `nn:"layers"`
	Norm   Norm     `nn:"norm"`
}

// NewStack returns n blocks and a final norm, initialised from g (nil:
// zeros, to be loaded).
func NewStack(c Config, n int, g *tensor.Generator) *Stack {
	c = c.check("NewStack")
	s := &Stack{Norm: c.norm()}
	for range n {
		s.Layers = append(s.Layers, NewBlock(c, g))
	}
	return s
}

// Forward runs x [B, T, Dim] through the blocks and the final norm (see
// Block.Forward for positions and mask). With a cache — created empty and
// passed at every step of one batch — the blocks keep their keys and
// values, and x holds the new tokens only.
func (s *Stack) Forward(x, positions *tensor.Tensor, mask attention.Mask, cache *Cache) *tensor.Tensor {
	out, _ := s.run(x, positions, mask, cache, false)
	return out
}

// Hidden is Forward returning the hidden states too: x, then the output
// of every block but the last, then the final norm of the last
// (len(Layers)+1 tensors, Hugging Face's hidden_states).
func (s *Stack) Hidden(x, positions *tensor.Tensor, mask attention.Mask, cache *Cache) (out *tensor.Tensor, hidden []*tensor.Tensor) {
	return s.run(x, positions, mask, cache, true)
}

func (s *Stack) run(x, positions *tensor.Tensor, mask attention.Mask, cache *Cache, keep bool) (*tensor.Tensor, []*tensor.Tensor) {
	if cache != nil && len(cache.Layers) == 0 {
		cache.Layers = make([]LayerCache, len(s.Layers))
	}
	if cache != nil && len(cache.Layers) != len(s.Layers) {
		panic(fmt.Sprintf("transformer: Stack: a cache of %d layers for a stack of %d", len(cache.Layers), len(s.Layers)))
	}
	var hidden []*tensor.Tensor
	for i, l := range s.Layers {
		if keep {
			hidden = append(hidden, x)
		}
		var c *attention.Cache
		if cache != nil {
			c = &cache.Layers[i].Self
		}
		x = l.Forward(x, positions, mask, c)
	}
	if s.Norm != nil {
		x = s.Norm.Forward(x)
	}
	if keep {
		hidden = append(hidden, x)
	}
	return x, hidden
}
