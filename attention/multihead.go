package attention

import (
	"fmt"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// MultiHead is multi-head attention (Vaswani et al. 2017) with optional
// grouped key/value heads, rotary position embeddings, and either
// PyTorch's nn.MultiheadAttention layout (one fused input projection
// in_proj_weight [(H+2·Hk)·Dh, D], or, when the key and value widths
// differ from the model's, q_proj_weight, k_proj_weight and v_proj_weight
// beside one packed in_proj_bias) or separate query, key and value
// projections (q_proj, k_proj, v_proj, the layout of Hugging Face's BART,
// LLaMA and others), followed by the output projection out_proj.
type MultiHead struct {
	InProjWeight *tensor.Tensor `nn:"in_proj_weight"`
	// QProjWeight, KProjWeight and VProjWeight are PyTorch's separate
	// input weights for key and value widths other than the model's
	// (their biases are the three parts of InProjBias).
	QProjWeight *tensor.Tensor `nn:"q_proj_weight"`
	KProjWeight *tensor.Tensor `nn:"k_proj_weight"`
	VProjWeight *tensor.Tensor `nn:"v_proj_weight"`
	InProjBias  *tensor.Tensor `nn:"in_proj_bias"`
	Query       *nn.Linear     `nn:"q_proj"`
	Key         *nn.Linear     `nn:"k_proj"`
	Value       *nn.Linear     `nn:"v_proj"`
	Out         *nn.Linear     `nn:"out_proj"`
	// Rotary, when set, rotates queries and keys by their positions.
	Rotary *embed.Rotary `nn:"rotary"`

	Heads, KVHeads, HeadDim int
	// Dropout is the attention-weight dropout, active in training mode,
	// with masks drawn from Gen.
	Dropout float64
	Gen     *tensor.Generator
	// Scale of the scores; 0 means 1/√HeadDim.
	Scale float64
	// Path selects the attention kernel (default Auto).
	Path Path
	// OnWeights, when set, receives the attention weights [B, H, Tq, Tk]
	// of every call (computed by the plain path), for inspection: set it
	// on the layers of a model to see where each head looks.
	OnWeights func(weights *tensor.Tensor)

	training bool
}

// Config describes a MultiHead.
type Config struct {
	Dim     int // model width: queries' features and output size
	Heads   int // query heads
	KVHeads int // key/value heads (0: Heads); Heads must be a multiple
	HeadDim int // features per head (0: Dim/Heads)
	// KDim and VDim are the widths of the key and value inputs of
	// cross-attention (0: Dim).
	KDim, VDim int
	// FusedQKV takes PyTorch's nn.MultiheadAttention layout: one input
	// projection (in_proj_weight, in_proj_bias), or, when KDim or VDim
	// differ from Dim, q_proj_weight, k_proj_weight, v_proj_weight and
	// one packed in_proj_bias, so that its state dict loads by name.
	FusedQKV bool
	// NoBias drops the projections' biases (LLaMA).
	NoBias bool
	// QKVBias keeps the query, key and value projections' biases when
	// NoBias drops the output projection's (Qwen2).
	QKVBias bool
	// Dropout on the attention weights during training.
	Dropout float64
	// Rotary adds rotary position embeddings over RotaryDim features of
	// each head (0: the whole head) with base RotaryBase (0: 10000) for
	// MaxLen positions.
	Rotary      bool
	RotaryDim   int
	RotaryBase  float64
	MaxLen      int
	Interleaved bool // GPT-J's rotary pairing
}

// New returns a MultiHead initialised as PyTorch initialises
// nn.MultiheadAttention (Xavier-uniform input projection, zero input and
// output biases; separate projections as nn.Linear), drawing from g (nil:
// zeros, to be loaded; dropout masks are drawn from g too).
func New(c Config, g *tensor.Generator) *MultiHead {
	if c.Dim <= 0 || c.Heads <= 0 {
		panic(fmt.Sprintf("attention: New: Dim=%d and Heads=%d must be positive", c.Dim, c.Heads))
	}
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.HeadDim == 0 {
		if c.Dim%c.Heads != 0 {
			panic(fmt.Sprintf("attention: New: Dim=%d is not a multiple of Heads=%d; set HeadDim", c.Dim, c.Heads))
		}
		c.HeadDim = c.Dim / c.Heads
	}
	if c.Heads%c.KVHeads != 0 {
		panic(fmt.Sprintf("attention: New: Heads=%d is not a multiple of KVHeads=%d", c.Heads, c.KVHeads))
	}
	kd, vd := c.KDim, c.VDim
	if kd == 0 {
		kd = c.Dim
	}
	if vd == 0 {
		vd = c.Dim
	}
	a := &MultiHead{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim, Dropout: c.Dropout, Gen: g}
	qd, kvd := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	qkvBias := !c.NoBias || c.QKVBias
	xavier := func(rows, cols int) *tensor.Tensor {
		w := tensor.Zeros(rows, cols)
		if g != nil {
			nn.XavierUniform(1)(w, g)
		}
		return w.SetRequiresGrad(true)
	}
	switch {
	case c.FusedQKV && kd == c.Dim && vd == c.Dim:
		a.InProjWeight = xavier(qd+2*kvd, c.Dim)
	case c.FusedQKV:
		a.QProjWeight, a.KProjWeight, a.VProjWeight = xavier(qd, c.Dim), xavier(kvd, kd), xavier(kvd, vd)
	default:
		a.Query = nn.NewLinear(c.Dim, qd, qkvBias, g)
		a.Key = nn.NewLinear(kd, kvd, qkvBias, g)
		a.Value = nn.NewLinear(vd, kvd, qkvBias, g)
	}
	if c.FusedQKV && qkvBias {
		a.InProjBias = tensor.Zeros(qd + 2*kvd).SetRequiresGrad(true)
	}
	a.Out = nn.NewLinear(qd, c.Dim, !c.NoBias, g)
	if c.FusedQKV && !c.NoBias {
		a.Out.Bias.Detach().Fill(0)
	}
	if c.Rotary {
		rd, base, ml := c.RotaryDim, c.RotaryBase, c.MaxLen
		if rd == 0 {
			rd = c.HeadDim
		}
		if base == 0 {
			base = 10000
		}
		if ml == 0 {
			ml = 2048
		}
		a.Rotary = embed.NewRotary(rd, ml, base, c.Interleaved)
	}
	return a
}

// SetTraining switches attention dropout on or off (nn.Train, nn.Eval).
func (a *MultiHead) SetTraining(on bool) { a.training = on }

func (a *MultiHead) options(m Mask) Options {
	o := Options{Mask: m, Scale: a.Scale, Path: a.Path}
	if a.training && a.Dropout > 0 {
		o.Dropout, o.Gen = a.Dropout, a.Gen
		if o.Gen == nil {
			panic("attention: MultiHead: dropout in training mode needs a generator (Gen is nil)")
		}
	}
	return o
}

// The input projections.
const (
	projQ = iota
	projK
	projV
)

// weights returns the weight [n, in] and bias [n] (nil: none) of input
// projection which, in whichever layout the module has.
func (a *MultiHead) weights(which int) (w, b *tensor.Tensor) {
	qd, kvd := a.Heads*a.HeadDim, a.KVHeads*a.HeadDim
	lo, n := [3]int{0, qd, qd + kvd}[which], [3]int{qd, kvd, kvd}[which]
	if a.InProjBias != nil {
		b = a.InProjBias.Narrow(0, lo, n)
	}
	switch {
	case a.InProjWeight != nil:
		return a.InProjWeight.Narrow(0, lo, n), b
	case a.QProjWeight != nil:
		return [3]*tensor.Tensor{a.QProjWeight, a.KProjWeight, a.VProjWeight}[which], b
	}
	l := [3]*nn.Linear{a.Query, a.Key, a.Value}[which]
	return l.Weight, l.Bias
}

// project maps x [B, T, in] through input projection which to [B, T, n].
func (a *MultiHead) project(x *tensor.Tensor, which int) *tensor.Tensor {
	w, b := a.weights(which)
	return nn.Project(x, w, b)
}

// heads splits [B, T, h·Dh] into [B, h, T, Dh] (a view).
func (a *MultiHead) heads(x *tensor.Tensor, h int) *tensor.Tensor {
	return x.Reshape(x.Dim(0), x.Dim(1), h, a.HeadDim).Transpose(1, 2)
}

func (a *MultiHead) checkInput(op, what string, x *tensor.Tensor, width int) {
	if x.Rank() != 3 || x.Dim(2) != width {
		panic(fmt.Sprintf("attention: MultiHead.%s: %s of shape %v, want [B, T, %d]", op, what, x.Shape(), width))
	}
}

// inWidth returns the input width of projection which.
func (a *MultiHead) inWidth(which int) int {
	w, _ := a.weights(which)
	return w.Dim(1)
}

// Forward is self-attention over x [B, T, Dim]: queries, keys and values
// all come from x. With a cache, x holds the new tokens only; their keys
// and values are appended to the cache and the queries attend over all
// of it (rotary positions continue from the cache's length).
func (a *MultiHead) Forward(x *tensor.Tensor, mask Mask, cache *Cache) *tensor.Tensor {
	return a.ForwardAt(x, nil, mask, cache)
}

// ForwardAt is Forward with explicit rotary positions: positions [B, T]
// (Int32) gives the position of every token of x, as a left-padded batch
// needs (each row positioned as if it were alone); nil means consecutive
// positions from the cache's length, as Forward. Without rotary
// embeddings positions are ignored.
func (a *MultiHead) ForwardAt(x, positions *tensor.Tensor, mask Mask, cache *Cache) *tensor.Tensor {
	a.checkInput("Forward", "input", x, a.inWidth(projQ))
	if positions != nil && (positions.Rank() != 2 || positions.Dim(0) != x.Dim(0) || positions.Dim(1) != x.Dim(1) || positions.DType() != tensor.Int32) {
		panic(fmt.Sprintf("attention: MultiHead.ForwardAt: positions %s %v, want Int32 [B, T] for input %v", positions.DType(), positions.Shape(), x.Shape()))
	}
	if a.Rotary == nil {
		positions = nil
	}
	qd, kvd := a.Heads*a.HeadDim, a.KVHeads*a.HeadDim
	var q, k, v *tensor.Tensor
	if a.InProjWeight != nil {
		// One product for all three projections; the heads are views.
		var b *tensor.Tensor
		if a.InProjBias != nil {
			b = a.InProjBias
		}
		qkv := nn.Project(x, a.InProjWeight, b)
		if o := a.options(mask); a.Rotary == nil && cache == nil && a.OnWeights == nil && o.usesFused(qkv) {
			// The fused kernel reads the heads from qkv and returns one
			// gradient for it. With a cache or rotary positions the heads
			// below reach the same fused kernel through ScaledDotProduct.
			return a.outProject(packedSelfAttention(qkv, a.Heads, a.KVHeads, a.HeadDim, o))
		}
		q, k, v = qkv.Narrow(2, 0, qd), qkv.Narrow(2, qd, kvd), qkv.Narrow(2, qd+kvd, kvd)
	} else {
		q, k, v = a.project(x, projQ), a.project(x, projK), a.project(x, projV)
	}
	q, k, v = a.heads(q, a.Heads), a.heads(k, a.KVHeads), a.heads(v, a.KVHeads)
	offset := 0
	if cache != nil {
		offset = cache.Len()
	}
	switch {
	case positions != nil:
		q, k = a.Rotary.ApplyAt(q, positions), a.Rotary.ApplyAt(k, positions)
	case a.Rotary != nil:
		q, k = a.Rotary.Apply(q, offset), a.Rotary.Apply(k, offset)
	}
	if cache != nil {
		k, v = cache.Append(k, v)
	}
	out, _ := a.attend(q, k, v, mask, false)
	return out
}

// Cross is cross-attention: queries from x [B, Tq, Dim], keys and values
// from memory [B, Tk, KDim] (an encoder's output). With a cache the
// memory is projected on the first call only and reused afterwards
// (memory may then be nil).
func (a *MultiHead) Cross(x, memory *tensor.Tensor, mask Mask, cache *Cache) *tensor.Tensor {
	a.checkInput("Cross", "query input", x, a.inWidth(projQ))
	var k, v *tensor.Tensor
	if cache != nil && cache.Len() > 0 {
		k, v = cache.Get()
	} else {
		if memory == nil {
			panic("attention: MultiHead.Cross: nil memory and an empty cache")
		}
		k, v = a.keysValues(memory, memory)
		if cache != nil {
			k, v = cache.Append(k, v)
		}
	}
	q := a.heads(a.project(x, projQ), a.Heads)
	out, _ := a.attend(q, k, v, mask, false)
	return out
}

// keysValues projects key and value inputs to heads [B, Hk, T, Dh].
func (a *MultiHead) keysValues(key, value *tensor.Tensor) (k, v *tensor.Tensor) {
	qd, kvd := a.Heads*a.HeadDim, a.KVHeads*a.HeadDim
	a.checkInput("Cross", "memory", key, a.inWidth(projK))
	a.checkInput("Cross", "value input", value, a.inWidth(projV))
	if a.InProjWeight != nil && key == value {
		// One product for keys and values.
		var b *tensor.Tensor
		if a.InProjBias != nil {
			b = a.InProjBias.Narrow(0, qd, 2*kvd)
		}
		kv := nn.Project(key, a.InProjWeight.Narrow(0, qd, 2*kvd), b)
		return a.heads(kv.Narrow(2, 0, kvd), a.KVHeads), a.heads(kv.Narrow(2, kvd, kvd), a.KVHeads)
	}
	k = a.heads(a.project(key, projK), a.KVHeads)
	v = a.heads(a.project(value, projV), a.KVHeads)
	return k, v
}

// Attend is the general form, PyTorch's forward(query, key, value): it
// projects query [B, Tq, Dim], key [B, Tk, KDim] and value [B, Tk, VDim]
// and attends. When weights is true it also returns the attention
// weights [B, H, Tq, Tk] (computed by the plain path), for inspection.
func (a *MultiHead) Attend(query, key, value *tensor.Tensor, mask Mask, weights bool) (out, w *tensor.Tensor) {
	a.checkInput("Attend", "query", query, a.inWidth(projQ))
	if key.Rank() != 3 || value.Rank() != 3 || key.Dim(0) != query.Dim(0) || value.Dim(0) != query.Dim(0) || key.Dim(1) != value.Dim(1) {
		panic(fmt.Sprintf("attention: MultiHead.Attend: query %v, key %v, value %v must be [B, Tq, ·], [B, Tk, ·], [B, Tk, ·]", query.Shape(), key.Shape(), value.Shape()))
	}
	q := a.heads(a.project(query, projQ), a.Heads)
	k, v := a.keysValues(key, value)
	if a.Rotary != nil {
		q, k = a.Rotary.Apply(q, 0), a.Rotary.Apply(k, 0)
	}
	return a.attend(q, k, v, mask, weights)
}

// attend runs attention on heads and the output projection.
func (a *MultiHead) attend(q, k, v *tensor.Tensor, mask Mask, weights bool) (*tensor.Tensor, *tensor.Tensor) {
	o := a.options(mask)
	var y, w *tensor.Tensor
	if weights || a.OnWeights != nil {
		y, w = ScaledDotProductWeights(q, k, v, o)
		if a.OnWeights != nil {
			a.OnWeights(w)
		}
	} else {
		y = ScaledDotProduct(q, k, v, o)
	}
	return a.outProject(y), w
}

// outProject merges the heads of y [B, H, Tq, Dh] into [B, Tq, H·Dh] (free
// for the fused path's layout) and applies the output projection.
func (a *MultiHead) outProject(y *tensor.Tensor) *tensor.Tensor {
	b, tq := y.Dim(0), y.Dim(2)
	return a.Out.Forward(y.Transpose(1, 2).Reshape(b, tq, a.Heads*a.HeadDim))
}
