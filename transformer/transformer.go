package transformer

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Norm is a normalisation layer: *nn.LayerNorm or *nn.RMSNorm.
type Norm interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// Config describes the layers of a transformer. The zero values of the
// optional fields give PyTorch's nn.Transformer defaults.
type Config struct {
	Dim     int // model width
	Heads   int // attention heads
	KVHeads int // key/value heads (0: Heads)
	HeadDim int // features per head (0: Dim/Heads)
	Hidden  int // feed-forward width (0: 4·Dim)
	// Act is the feed-forward activation (ReLU by default, as PyTorch).
	Act nn.Activation
	// Gated makes the feed-forward block gated (SwiGLU with SiLU).
	Gated bool
	// Dropout applies to the attention weights, the feed-forward hidden
	// layer and both residual branches during training, as PyTorch's
	// single dropout argument does.
	Dropout float64
	// AttnDropout and ResidDropout, when set, replace Dropout on the
	// attention weights and on the residual branches of a Block (GPT-2's
	// attn_pdrop and resid_pdrop); the feed-forward hidden layer keeps
	// Dropout.
	AttnDropout, ResidDropout float64
	// NormFirst normalises before each sub-block (pre-LN, GPT-2 and most
	// recent models) instead of after the residual sum (post-LN, the
	// original transformer and BERT).
	NormFirst bool
	// Eps of the norms (0: 1e-5).
	Eps float64
	// RMSNorm uses RMSNorm instead of LayerNorm.
	RMSNorm bool
	// NoBias drops the biases of the linear layers (and LayerNorm's).
	NoBias bool
	// QKVBias keeps the biases of the query, key and value projections
	// when NoBias drops the others (Qwen2).
	QKVBias bool
	// SeparateQKV uses q_proj, k_proj and v_proj instead of PyTorch's
	// fused in_proj_weight.
	SeparateQKV bool
	// Rotary adds rotary position embeddings to self-attention, for up to
	// MaxLen positions (0: 2048).
	Rotary bool
	MaxLen int
}

func (c Config) check(op string) Config {
	if c.Dim <= 0 || c.Heads <= 0 {
		panic(fmt.Sprintf("transformer: %s: Dim=%d and Heads=%d must be positive", op, c.Dim, c.Heads))
	}
	if c.Hidden == 0 {
		c.Hidden = 4 * c.Dim
	}
	if c.Eps == 0 {
		c.Eps = 1e-5
	}
	return c
}

func (c Config) norm() Norm {
	if c.RMSNorm {
		return nn.NewRMSNorm(c.Dim, c.Eps)
	}
	n := nn.NewLayerNorm(c.Dim, c.Eps)
	if c.NoBias {
		n.Bias = nil
	}
	return n
}

func (c Config) attention(g *tensor.Generator, self bool) *attention.MultiHead {
	return attention.New(attention.Config{
		Dim: c.Dim, Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim, FusedQKV: !c.SeparateQKV,
		NoBias: c.NoBias, QKVBias: c.QKVBias, Dropout: c.Dropout, Rotary: self && c.Rotary, MaxLen: c.MaxLen,
	}, g)
}

func (c Config) mlp(g *tensor.Generator) *nn.MLP {
	return nn.NewMLP(nn.MLPConfig{Dim: c.Dim, Hidden: c.Hidden, Act: c.Act, Gated: c.Gated, NoBias: c.NoBias, Dropout: c.Dropout}, g)
}

func checkInput(op string, x *tensor.Tensor, dim int) {
	if x.Rank() != 3 || x.Dim(2) != dim {
		panic(fmt.Sprintf("transformer: %s: input of shape %v, want [B, T, %d]", op, x.Shape(), dim))
	}
}

// residual returns x + y, where y is a sublayer's fresh output that nothing
// else holds: without gradients y is updated in place, saving a buffer.
func residual(x, y *tensor.Tensor) *tensor.Tensor {
	if x.RequiresGrad() || y.RequiresGrad() || !x.SameShape(y) || !y.IsContiguous() || x.DType() != y.DType() || x.Device() != y.Device() {
		return x.Add(y)
	}
	return tensor.AddInto(y, y, x)
}

// addNorm returns the residual sum x + y and its norm n(x + y), where y is
// a sublayer's fresh output; with a LayerNorm both come from one pass
// (tensor.AddLayerNorm).
func addNorm(x, y *tensor.Tensor, n Norm) (sum, normed *tensor.Tensor) {
	if ln, ok := n.(*nn.LayerNorm); ok && x.SameShape(y) && x.DType() == y.DType() && x.Device() == y.Device() &&
		(ln.Weight == nil || (x.Rank() > 0 && x.Dim(-1) == ln.Weight.Dim(0))) {
		return tensor.AddLayerNorm(x, y, ln.Weight, ln.Bias, ln.Eps)
	}
	sum = residual(x, y)
	return sum, n.Forward(sum)
}

// EncoderLayer is a transformer encoder layer: self-attention and a
// feed-forward block, each with a residual connection and a norm, as
// PyTorch's nn.TransformerEncoderLayer (whose parameter names it uses:
// self_attn, linear1, linear2, norm1, norm2).
type EncoderLayer struct {
	SelfAttn *attention.MultiHead `nn:"self_attn"`
	MLP      *nn.MLP              `nn:",inline"`
	Norm1    Norm                 `nn:"norm1"`
	Norm2    Norm                 `nn:"norm2"`
	Dropout1 *nn.Dropout          `nn:"dropout1"`
	Dropout2 *nn.Dropout          `nn:"dropout2"`
	// NormFirst selects pre-LN (true) or post-LN (false).
	NormFirst bool
}

// NewEncoderLayer returns an encoder layer initialised from g as PyTorch
// initialises its layers (nil: zeros, to be loaded).
func NewEncoderLayer(c Config, g *tensor.Generator) *EncoderLayer {
	c = c.check("NewEncoderLayer")
	return &EncoderLayer{
		SelfAttn: c.attention(g, true), MLP: c.mlp(g),
		Norm1: c.norm(), Norm2: c.norm(),
		Dropout1: nn.NewDropout(c.Dropout, g), Dropout2: nn.NewDropout(c.Dropout, g),
		NormFirst: c.NormFirst,
	}
}

// Forward maps x [B, T, Dim] to [B, T, Dim]; mask restricts self-attention
// (padding: Mask{KeyMask: attention.Keep(attentionMask)}).
func (l *EncoderLayer) Forward(x *tensor.Tensor, mask attention.Mask) *tensor.Tensor {
	checkInput("EncoderLayer", x, l.SelfAttn.Out.Out())
	if l.NormFirst {
		x, h := addNorm(x, l.Dropout1.Forward(l.SelfAttn.Forward(l.Norm1.Forward(x), mask, nil)), l.Norm2)
		return residual(x, l.Dropout2.Forward(l.MLP.Forward(h)))
	}
	_, x = addNorm(x, l.Dropout1.Forward(l.SelfAttn.Forward(x, mask, nil)), l.Norm1)
	_, x = addNorm(x, l.Dropout2.Forward(l.MLP.Forward(x)), l.Norm2)
	return x
}

// DecoderLayer is a transformer decoder layer: masked self-attention,
// cross-attention over the encoder's output, and a feed-forward block, as
// PyTorch's nn.TransformerDecoderLayer (names self_attn, multihead_attn,
// linear1, linear2, norm1, norm2, norm3).
type DecoderLayer struct {
	SelfAttn  *attention.MultiHead `nn:"self_attn"`
	CrossAttn *attention.MultiHead `nn:"multihead_attn"`
	MLP       *nn.MLP              `nn:",inline"`
	Norm1     Norm                 `nn:"norm1"`
	Norm2     Norm                 `nn:"norm2"`
	Norm3     Norm                 `nn:"norm3"`
	Dropout1  *nn.Dropout          `nn:"dropout1"`
	Dropout2  *nn.Dropout          `nn:"dropout2"`
	Dropout3  *nn.Dropout          `nn:"dropout3"`
	NormFirst bool
}

// NewDecoderLayer returns a decoder layer initialised from g (nil: zeros).
func NewDecoderLayer(c Config, g *tensor.Generator) *DecoderLayer {
	c = c.check("NewDecoderLayer")
	return &DecoderLayer{
		SelfAttn: c.attention(g, true), CrossAttn: c.attention(g, false), MLP: c.mlp(g),
		Norm1: c.norm(), Norm2: c.norm(), Norm3: c.norm(),
		Dropout1: nn.NewDropout(c.Dropout, g), Dropout2: nn.NewDropout(c.Dropout, g), Dropout3: nn.NewDropout(c.Dropout, g),
		NormFirst: c.NormFirst,
	}
}

// LayerCache holds one decoder layer's KV caches for incremental decoding.
type LayerCache struct {
	Self, Cross attention.Cache
}

// Forward maps the target x [B, T, Dim] given the encoder's output memory
// [B, S, Dim]. selfMask restricts self-attention (usually Causal, with
// the target's padding), crossMask the memory keys (the source's
// padding). With a cache, x holds the new tokens only, and memory is
// projected once.
func (l *DecoderLayer) Forward(x, memory *tensor.Tensor, selfMask, crossMask attention.Mask, cache *LayerCache) *tensor.Tensor {
	checkInput("DecoderLayer", x, l.SelfAttn.Out.Out())
	var sc, cc *attention.Cache
	if cache != nil {
		sc, cc = &cache.Self, &cache.Cross
	}
	if l.NormFirst {
		x, h := addNorm(x, l.Dropout1.Forward(l.SelfAttn.Forward(l.Norm1.Forward(x), selfMask, sc)), l.Norm2)
		x, h = addNorm(x, l.Dropout2.Forward(l.CrossAttn.Cross(h, memory, crossMask, cc)), l.Norm3)
		return residual(x, l.Dropout3.Forward(l.MLP.Forward(h)))
	}
	_, x = addNorm(x, l.Dropout1.Forward(l.SelfAttn.Forward(x, selfMask, sc)), l.Norm1)
	_, x = addNorm(x, l.Dropout2.Forward(l.CrossAttn.Cross(x, memory, crossMask, cc)), l.Norm2)
	_, x = addNorm(x, l.Dropout3.Forward(l.MLP.Forward(x)), l.Norm3)
	return x
}

// Encoder is a stack of encoder layers with an optional final norm, as
// PyTorch's nn.TransformerEncoder (names layers.N, norm).
type Encoder struct {
	Layers []*EncoderLayer `nn:"layers"`
	Norm   Norm            `nn:"norm"`
}

// NewEncoder returns n encoder layers, with a final norm when finalNorm is
// true (needed with pre-LN layers, whose output is not normalised).
func NewEncoder(c Config, n int, finalNorm bool, g *tensor.Generator) *Encoder {
	c = c.check("NewEncoder")
	e := &Encoder{}
	for range n {
		e.Layers = append(e.Layers, NewEncoderLayer(c, g))
	}
	if finalNorm {
		e.Norm = c.norm()
	}
	return e
}

// Forward runs the layers in order, then the final norm.
func (e *Encoder) Forward(x *tensor.Tensor, mask attention.Mask) *tensor.Tensor {
	for _, l := range e.Layers {
		x = l.Forward(x, mask)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// Decoder is a stack of decoder layers with an optional final norm, as
// PyTorch's nn.TransformerDecoder.
type Decoder struct {
	Layers []*DecoderLayer `nn:"layers"`
	Norm   Norm            `nn:"norm"`
}

// NewDecoder returns n decoder layers, with a final norm when finalNorm is
// true.
func NewDecoder(c Config, n int, finalNorm bool, g *tensor.Generator) *Decoder {
	c = c.check("NewDecoder")
	d := &Decoder{}
	for range n {
		d.Layers = append(d.Layers, NewDecoderLayer(c, g))
	}
	if finalNorm {
		d.Norm = c.norm()
	}
	return d
}

// Cache holds a decoder's KV caches, one per layer.
type Cache struct {
	Layers []LayerCache
}

// Len returns the number of target tokens the cache holds.
func (c *Cache) Len() int {
	if c == nil || len(c.Layers) == 0 {
		return 0
	}
	return c.Layers[0].Self.Len()
}

// Reorder reorders the batch of every layer's caches (see
// attention.Cache.Reorder), as beam search does after each step.
func (c *Cache) Reorder(index *tensor.Tensor) {
	for i := range c.Layers {
		c.Layers[i].Self.Reorder(index)
		c.Layers[i].Cross.Reorder(index)
	}
}

// Forward runs the layers in order, then the final norm. With a cache
// (created empty and passed at every step) the layers keep their keys and
// values, and x holds the new target tokens only.
func (d *Decoder) Forward(x, memory *tensor.Tensor, selfMask, crossMask attention.Mask, cache *Cache) *tensor.Tensor {
	if cache != nil && len(cache.Layers) == 0 {
		cache.Layers = make([]LayerCache, len(d.Layers))
	}
	for i, l := range d.Layers {
		var lc *LayerCache
		if cache != nil {
			lc = &cache.Layers[i]
		}
		x = l.Forward(x, memory, selfMask, crossMask, lc)
	}
	if d.Norm != nil {
		x = d.Norm.Forward(x)
	}
	return x
}

// Transformer is an encoder-decoder transformer, as PyTorch's
// nn.Transformer (names encoder.layers.N..., encoder.norm,
// decoder.layers.N..., decoder.norm).
type Transformer struct {
	Encoder *Encoder `nn:"encoder"`
	Decoder *Decoder `nn:"decoder"`
}

// New returns a transformer of the given numbers of encoder and decoder
// layers, each stack ending in a norm, as nn.Transformer builds it.
func New(c Config, encoderLayers, decoderLayers int, g *tensor.Generator) *Transformer {
	return &Transformer{
		Encoder: NewEncoder(c, encoderLayers, true, g),
		Decoder: NewDecoder(c, decoderLayers, true, g),
	}
}

// Masks are the masks of an encoder-decoder pass.
type Masks struct {
	Source attention.Mask // encoder self-attention (source padding)
	Target attention.Mask // decoder self-attention (Causal, target padding)
	Memory attention.Mask // decoder cross-attention (source padding)
}

// Forward encodes src [B, S, Dim] and decodes tgt [B, T, Dim] over it.
func (t *Transformer) Forward(src, tgt *tensor.Tensor, m Masks) *tensor.Tensor {
	memory := t.Encoder.Forward(src, m.Source)
	return t.Decoder.Forward(tgt, memory, m.Target, m.Memory, nil)
}
