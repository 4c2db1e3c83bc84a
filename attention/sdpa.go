package attention

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// Path selects how ScaledDotProduct computes attention.
type Path int

// The paths.
const (
	// Auto picks the fused path where it applies (CPU tensors, no
	// attention weights asked for, no bias that needs a gradient) and
	// the plain path otherwise.
	Auto Path = iota
	// Plain computes the [Tq, Tk] score matrix with tensor ops: softmax
	// (q·kᵀ·scale + bias)·v. It is the reference, works on every device,
	// and gives the attention weights.
	Plain
	// Fused computes attention block by block with a streaming softmax,
	// never holding more than a block of scores per worker, and recomputes
	// the blocks in the backward pass (FlashAttention-2's algorithm) from
	// the saved log-sum-exp of each row. CPU only.
	Fused
)

// String returns the path's name ("fused").
func (p Path) String() string {
	switch p {
	case Auto:
		return "auto"
	case Plain:
		return "plain"
	case Fused:
		return "fused"
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// Options configures ScaledDotProduct.
type Options struct {
	// Mask restricts which keys each query sees (zero value: none).
	Mask Mask
	// Scale multiplies the scores; 0 means 1/√headDim.
	Scale float64
	// Dropout is the probability of dropping an attention weight; it
	// applies only when positive, with Gen drawing the mask. Both paths
	// draw the same mask from the same generator state.
	Dropout float64
	Gen     *tensor.Generator
	// Path forces a path (default Auto).
	Path Path
}

// dims holds the sizes of one attention problem.
type dims struct {
	b, h, hk, tq, tk, dh, dv int
}

func checkQKV(op string, q, k, v *tensor.Tensor) dims {
	if q.Rank() != 4 || k.Rank() != 4 || v.Rank() != 4 {
		panic(fmt.Sprintf("attention: %s: q %v, k %v, v %v must be [B, H, T, headDim]", op, q.Shape(), k.Shape(), v.Shape()))
	}
	d := dims{b: q.Dim(0), h: q.Dim(1), tq: q.Dim(2), dh: q.Dim(3), hk: k.Dim(1), tk: k.Dim(2), dv: v.Dim(3)}
	if k.Dim(0) != d.b || v.Dim(0) != d.b || v.Dim(1) != d.hk || v.Dim(2) != d.tk || k.Dim(3) != d.dh {
		panic(fmt.Sprintf("attention: %s: shapes q %v, k %v, v %v do not match", op, q.Shape(), k.Shape(), v.Shape()))
	}
	if d.hk == 0 || d.h%d.hk != 0 {
		panic(fmt.Sprintf("attention: %s: %d query heads are not a multiple of %d key/value heads (q %v, k %v)", op, d.h, d.hk, q.Shape(), k.Shape()))
	}
	if q.DType() != k.DType() || q.DType() != v.DType() || !q.DType().IsFloat() {
		panic(fmt.Sprintf("attention: %s: dtypes q %s, k %s, v %s must be one float type", op, q.DType(), k.DType(), v.DType()))
	}
	if q.Device() != k.Device() || q.Device() != v.Device() {
		panic(fmt.Sprintf("attention: %s: q, k, v on devices %v, %v, %v", op, q.Device(), k.Device(), v.Device()))
	}
	return d
}

func (o Options) scale(dh int) float64 {
	if o.Scale != 0 {
		return o.Scale
	}
	return 1 / math.Sqrt(float64(dh))
}

func (o Options) dropout() bool { return o.Dropout > 0 }

func (o Options) checkDropout(op string) {
	if o.Dropout < 0 || o.Dropout > 1 || o.Dropout != o.Dropout {
		panic(fmt.Sprintf("attention: %s: dropout probability %v not in [0, 1]", op, o.Dropout))
	}
	if o.Dropout > 0 && o.Gen == nil {
		panic(fmt.Sprintf("attention: %s: dropout %v needs a generator", op, o.Dropout))
	}
}

// ScaledDotProduct returns softmax(q·kᵀ·scale + mask)·v for queries q
// [B, H, Tq, Dh], keys k [B, Hk, Tk, Dh] and values v [B, Hk, Tk, Dv],
// as [B, H, Tq, Dv]. H must be a multiple of Hk: each group of H/Hk query
// heads shares a key/value head (grouped-query attention; Hk = 1 is
// multi-query attention). Inputs may be any strided views (heads split
// from a projection by Reshape and Transpose, keys and values held by a
// Cache) and are not copied.
//
// It is tensor.Attention with the mask converted: the fused kernel runs
// wherever the device has one (the CPU), with a cache, rotary positions,
// grouped heads and every kind of mask alike.
//
// Rows whose every key is masked give zeros (and zero gradients), where
// PyTorch's nn.MultiheadAttention gives NaN.
//
// Shape mismatches panic with a message naming the shapes.
func ScaledDotProduct(q, k, v *tensor.Tensor, o Options) *tensor.Tensor {
	d := checkQKV("ScaledDotProduct", q, k, v)
	o.Mask.check("ScaledDotProduct", d.b, d.h, d.tq, d.tk, q.DType(), q.Device())
	o.checkDropout("ScaledDotProduct")
	if o.usesFused(q) {
		return tensor.Attention(q, k, v, o.tensorOptions())
	}
	out, _ := tensor.AttentionWeights(q, k, v, o.tensorOptions())
	return out
}

// ScaledDotProductWeights is ScaledDotProduct by the plain path, returning
// the attention weights [B, H, Tq, Tk] too (after masking, before
// dropout), for inspection.
func ScaledDotProductWeights(q, k, v *tensor.Tensor, o Options) (out, weights *tensor.Tensor) {
	d := checkQKV("ScaledDotProductWeights", q, k, v)
	o.Mask.check("ScaledDotProductWeights", d.b, d.h, d.tq, d.tk, q.DType(), q.Device())
	o.checkDropout("ScaledDotProductWeights")
	return tensor.AttentionWeights(q, k, v, o.tensorOptions())
}

// tensorOptions converts the options to tensor.Attention's.
func (o Options) tensorOptions() tensor.AttentionOptions {
	t := tensor.AttentionOptions{
		Scale:    o.Scale,
		Causal:   o.Mask.Causal,
		KeepKeys: o.Mask.KeyMask.keep(),
		Keep:     o.Mask.Pairs.keep(),
		Bias:     o.Mask.Bias,
	}
	if o.dropout() {
		t.Dropout, t.Gen = o.Dropout, o.Gen
	}
	return t
}

// usesFused decides the path: the fused kernel unless the plain path is
// asked for. With Auto, tensor.Attention itself composes the attention
// where no fused kernel applies (a device without one, a bias that needs
// a gradient).
func (o Options) usesFused(q *tensor.Tensor) bool {
	switch o.Path {
	case Plain:
		return false
	case Fused:
		if q.Device() != tensor.CPU {
			panic(fmt.Sprintf("attention: the fused path runs on the CPU, not %v", q.Device()))
		}
		if o.Mask.Bias != nil && o.Mask.Bias.RequiresGrad() {
			panic("attention: the fused path does not compute a gradient for Mask.Bias; use the plain path")
		}
	}
	return true
}

// packedSelfAttention attends with the heads of qkv [B, T, W]: h query
// heads from column 0, hk key heads from column h·dh, hk value heads after
// them. It returns [B, h, T, dh] as ScaledDotProduct does.
func packedSelfAttention(qkv *tensor.Tensor, h, hk, dh int, o Options) *tensor.Tensor {
	b, t := qkv.Dim(0), qkv.Dim(1)
	o.Mask.check("ScaledDotProduct", b, h, t, t, qkv.DType(), qkv.Device())
	o.checkDropout("ScaledDotProduct")
	if !o.usesFused(qkv) {
		split := func(off, heads int) *tensor.Tensor {
			return qkv.Narrow(2, off, heads*dh).Reshape(b, t, heads, dh).Transpose(1, 2)
		}
		return ScaledDotProduct(split(0, h), split(h*dh, hk), split((h+hk)*dh, hk), o)
	}
	return tensor.AttentionPacked(qkv, h, hk, o.tensorOptions())
}
