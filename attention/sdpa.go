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
// from a projection by Reshape and Transpose need no copy).
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
		return fusedAttention(q, k, v, d, o)
	}
	out, _ := plain(q, k, v, d, o)
	return out
}

// ScaledDotProductWeights is ScaledDotProduct by the plain path, returning
// the attention weights [B, H, Tq, Tk] too (after masking, before
// dropout), for inspection.
func ScaledDotProductWeights(q, k, v *tensor.Tensor, o Options) (out, weights *tensor.Tensor) {
	d := checkQKV("ScaledDotProductWeights", q, k, v)
	o.Mask.check("ScaledDotProductWeights", d.b, d.h, d.tq, d.tk, q.DType(), q.Device())
	o.checkDropout("ScaledDotProductWeights")
	return plain(q, k, v, d, o)
}

// usesFused decides the path.
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
		return true
	}
	dt := q.DType()
	return q.Device() == tensor.CPU && (dt == tensor.Float32 || dt == tensor.Float64) &&
		(o.Mask.Bias == nil || !o.Mask.Bias.RequiresGrad())
}

// negBig stands for -Inf in masked scores: finite, so that a row whose
// every key is masked gives a uniform softmax instead of NaN (it is then
// zeroed), and exp(negBig - max) is exactly 0 beside any unmasked score.
func negBig(dt tensor.DType) float64 {
	if dt == tensor.Float64 {
		return -1e300
	}
	return -1e30
}

// plain computes attention with tensor ops.
func plain(q, k, v *tensor.Tensor, d dims, o Options) (out, weights *tensor.Tensor) {
	g := d.h / d.hk
	dt := q.DType()
	// Group query heads by their key/value head: q [B, Hk, G, Tq, Dh]
	// against k [B, Hk, 1, Tk, Dh], broadcast by MatMul without copies.
	qg := q
	if g > 1 {
		qg = q.Reshape(d.b, d.hk, g, d.tq, d.dh)
		k = k.Unsqueeze(2)
		v = v.Unsqueeze(2)
	}
	s := qg.MatMul(k.T()).Scale(o.scale(d.dh))
	if g > 1 {
		s = s.Reshape(d.b, d.h, d.tq, d.tk)
	}
	if o.Mask.Bias != nil {
		s = s.Add(o.Mask.Bias).Clamp(negBig(dt), math.Inf(1))
	}
	blocked := o.Mask.blocked(d.b, d.tq, d.tk, dt, q.Device())
	if blocked != nil {
		s = s.MaskedFill(blocked, negBig(dt))
	}
	var valid *tensor.Tensor // 1 for rows with a key left, else 0: [B, H, Tq, 1]
	if blocked != nil || o.Mask.Bias != nil {
		valid = s.Detach().Max(-1).Gt(tensor.FullOn(q.Device(), dt, negBig(dt)/2)).Unsqueeze(-1)
	}
	w := s.Softmax(-1)
	if valid != nil {
		w = w.Mul(valid)
	}
	weights = w
	if o.dropout() {
		w = w.Dropout(o.Dropout, o.Gen)
	}
	if g > 1 {
		w = w.Reshape(d.b, d.hk, g, d.tq, d.tk)
	}
	out = w.MatMul(v)
	if g > 1 {
		out = out.Reshape(d.b, d.h, d.tq, d.dv)
	}
	return out, weights
}
