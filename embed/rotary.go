package embed

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// Rotary is the rotary position embedding of Su et al. (RoFormer, 2021):
// queries and keys are rotated, pair of features by pair of features, by
// angles proportional to their position, so that their dot products depend
// only on relative positions. Feature pair i at position p turns by
// p·Base^(-2i/Dim).
//
// Two layouts pair the features differently: GPT-NeoX and LLaMA (Hugging
// Face's rotate_half) pair feature i with i+Dim/2; GPT-J and the original
// RoFormer (Interleaved) pair 2i with 2i+1. Dim may be less than the head
// size (GPT-NeoX's rotary_pct): the remaining features pass unchanged.
type Rotary struct {
	// Dim is the number of rotated features per head (even).
	Dim int
	// Interleaved selects the GPT-J pairing (2i, 2i+1).
	Interleaved bool
	// Cos and Sin are [max positions, Dim/2] tables of the angles'
	// cosines and sines, kept in float64 and converted to the input's
	// dtype as they are used.
	Cos *tensor.Tensor `nn:"cos,transient"`
	Sin *tensor.Tensor `nn:"sin,transient"`
}

// NewRotary returns rotary embeddings of dim features for maxLen positions
// with the given base (10000 in most models; LLaMA 3 uses 500000).
func NewRotary(dim, maxLen int, base float64, interleaved bool) *Rotary {
	if dim <= 0 || dim%2 != 0 || maxLen <= 0 || base <= 1 {
		panic(fmt.Sprintf("embed: NewRotary: dim=%d must be positive and even, maxLen=%d positive, base=%v above 1", dim, maxLen, base))
	}
	h := dim / 2
	cos, sin := make([]float64, maxLen*h), make([]float64, maxLen*h)
	for p := range maxLen {
		for i := range h {
			sin[p*h+i], cos[p*h+i] = math.Sincos(float64(p) * math.Pow(base, -float64(2*i)/float64(dim)))
		}
	}
	return &Rotary{Dim: dim, Interleaved: interleaved, Cos: tensor.FromSlice(cos, maxLen, h), Sin: tensor.FromSlice(sin, maxLen, h)}
}

// MaxLen returns the number of positions the tables cover.
func (r *Rotary) MaxLen() int { return r.Cos.Dim(0) }

// Apply rotates x [..., T, headDim] as positions offset, ...,
// offset+T-1 (offset counts the tokens a KV cache already holds).
func (r *Rotary) Apply(x *tensor.Tensor, offset int) *tensor.Tensor {
	if x.Rank() < 2 {
		panic(fmt.Sprintf("embed: Rotary: input shape %v needs [..., T, headDim]", x.Shape()))
	}
	t := x.Dim(-2)
	checkRange("Rotary", offset, t, r.MaxLen())
	cos, sin := r.Cos.Narrow(0, offset, t), r.Sin.Narrow(0, offset, t)
	return r.rotate(x, cos, sin)
}

// ApplyAt rotates x [B, H, T, headDim] with explicit Int32 positions
// [B, T] (left-padded batches) or [T].
func (r *Rotary) ApplyAt(x, positions *tensor.Tensor) *tensor.Tensor {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("embed: Rotary.ApplyAt: input shape %v needs [B, H, T, headDim]", x.Shape()))
	}
	cos, sin := tensor.Embedding(r.Cos, positions), tensor.Embedding(r.Sin, positions)
	switch positions.Rank() {
	case 1: // [T, h]
	case 2: // [B, T, h] → [B, 1, T, h]
		cos, sin = cos.Unsqueeze(1), sin.Unsqueeze(1)
	default:
		panic(fmt.Sprintf("embed: Rotary.ApplyAt: positions shape %v needs [B, T] or [T]", positions.Shape()))
	}
	return r.rotate(x, cos, sin)
}

// rotate applies the rotation given cos and sin broadcastable to
// [..., T, Dim/2].
func (r *Rotary) rotate(x, cos, sin *tensor.Tensor) *tensor.Tensor {
	hd := x.Dim(-1)
	if hd < r.Dim {
		panic(fmt.Sprintf("embed: Rotary: head size %d (input %v) is below the %d rotated features", hd, x.Shape(), r.Dim))
	}
	if cos.DType() != x.DType() {
		cos, sin = cos.As(x.DType()), sin.As(x.DType())
	}
	if cos.Device() != x.Device() {
		cos, sin = cos.To(x.Device()), sin.To(x.Device())
	}
	h := r.Dim / 2
	rot := x
	if hd > r.Dim {
		rot = x.Narrow(-1, 0, r.Dim)
	}
	var out *tensor.Tensor
	if r.Interleaved {
		shape := append(rot.Shape()[:rot.Rank()-1], h, 2)
		pairs := rot.Reshape(shape...)
		e, o := pairs.Select(-1, 0), pairs.Select(-1, 1)
		re := e.Mul(cos).Sub(o.Mul(sin))
		ro := o.Mul(cos).Add(e.Mul(sin))
		out = tensor.Stack(-1, re, ro).Reshape(rot.Shape()...)
	} else {
		x1, x2 := rot.Narrow(-1, 0, h), rot.Narrow(-1, h, h)
		out = tensor.Concat(-1, x1.Mul(cos).Sub(x2.Mul(sin)), x2.Mul(cos).Add(x1.Mul(sin)))
	}
	if hd > r.Dim {
		out = tensor.Concat(-1, out, x.Narrow(-1, r.Dim, hd-r.Dim))
	}
	return out
}
