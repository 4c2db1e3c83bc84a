package attention

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Mask says which keys each query may attend to. The zero Mask lets every
// query see every key. Its parts combine: a score counts only where every
// part allows it, and Bias is added to the scores that count.
//
// Shapes are given for queries [B, H, Tq, ·] and keys [B, Hk, Tk, ·]; a
// tensor "broadcastable to [B, H, Tq, Tk]" may omit leading dimensions or
// have size 1 in any of them ([Tq, Tk] for one mask shared by the batch,
// [B, 1, 1, Tk] for one per sequence).
type Mask struct {
	// Causal lets query i see keys j ≤ i + (Tk - Tq): each token sees
	// itself and the past. The diagonal is aligned bottom-right, so that
	// queries appended after a KV cache of Tk - Tq tokens see the whole
	// cache (with Tq = Tk it is the usual lower triangle).
	Causal bool
	// KeyMask [B, Tk] marks real tokens with non-zero values and padding
	// with zero, as Hugging Face's attention_mask (any dtype).
	KeyMask *tensor.Tensor
	// Allowed, broadcastable to [B, H, Tq, Tk], is non-zero where a query
	// may attend to a key (any dtype). Note that PyTorch's boolean
	// attn_mask and key_padding_mask mean the opposite (true = masked).
	Allowed *tensor.Tensor
	// Bias, broadcastable to [B, H, Tq, Tk] and of the queries' dtype, is
	// added to the scaled scores (ALiBi, T5's relative position bias,
	// PyTorch's float attn_mask); -Inf entries mask.
	Bias *tensor.Tensor
}

// IsZero reports whether the mask allows everything.
func (m Mask) IsZero() bool {
	return !m.Causal && m.KeyMask == nil && m.Allowed == nil && m.Bias == nil
}

// FromKeyPadding converts PyTorch's key_padding_mask [B, Tk] (non-zero =
// padding) to a KeyMask (non-zero = token).
func FromKeyPadding(kpm *tensor.Tensor) *tensor.Tensor {
	return kpm.Eq(tensor.FullOn(kpm.Device(), kpm.DType(), 0))
}

// FromBlocked converts a boolean mask where non-zero means "may not
// attend" (PyTorch's boolean attn_mask) to an Allowed mask.
func FromBlocked(blocked *tensor.Tensor) *tensor.Tensor {
	return blocked.Eq(tensor.FullOn(blocked.Device(), blocked.DType(), 0))
}

// broadcast4 returns t's shape and strides broadcast to [B, H, Tq, Tk]
// (strides 0 on broadcast dimensions), or panics naming the op.
func broadcast4(op, what string, t *tensor.Tensor, b, h, tq, tk int) (strides [4]int) {
	want := [4]int{b, h, tq, tk}
	r := t.Rank()
	if r > 4 {
		panic(fmt.Sprintf("attention: %s: %s of shape %v has more than 4 dimensions", op, what, t.Shape()))
	}
	shape, st := t.Shape(), t.Strides()
	for i := range r {
		d := 4 - r + i
		switch shape[i] {
		case want[d]:
			strides[d] = st[i]
			if shape[i] == 1 {
				strides[d] = 0
			}
		case 1:
			strides[d] = 0
		default:
			panic(fmt.Sprintf("attention: %s: %s of shape %v does not broadcast to [B, H, Tq, Tk] = %v", op, what, shape, want))
		}
	}
	return strides
}

// checkMask validates the mask's shapes against the problem.
func (m Mask) check(op string, b, h, tq, tk int, dtype tensor.DType, dev tensor.Device) {
	if m.KeyMask != nil {
		s := m.KeyMask.Shape()
		if len(s) != 2 || s[0] != b || s[1] != tk {
			panic(fmt.Sprintf("attention: %s: KeyMask of shape %v, want [B, Tk] = [%d %d]", op, s, b, tk))
		}
		if m.KeyMask.Device() != dev {
			panic(fmt.Sprintf("attention: %s: KeyMask is on %v, the queries on %v", op, m.KeyMask.Device(), dev))
		}
	}
	if m.Allowed != nil {
		broadcast4(op, "Allowed", m.Allowed, b, h, tq, tk)
		if m.Allowed.Device() != dev {
			panic(fmt.Sprintf("attention: %s: Allowed is on %v, the queries on %v", op, m.Allowed.Device(), dev))
		}
	}
	if m.Bias != nil {
		broadcast4(op, "Bias", m.Bias, b, h, tq, tk)
		if m.Bias.DType() != dtype {
			panic(fmt.Sprintf("attention: %s: Bias is %s, the queries %s", op, m.Bias.DType(), dtype))
		}
		if m.Bias.Device() != dev {
			panic(fmt.Sprintf("attention: %s: Bias is on %v, the queries on %v", op, m.Bias.Device(), dev))
		}
	}
}

// blocked returns a tensor broadcastable to [B, 1|H, Tq, Tk] of the given
// dtype, non-zero where the boolean parts of the mask forbid attention,
// or nil when they forbid nothing.
func (m Mask) blocked(b, tq, tk int, dtype tensor.DType, dev tensor.Device) *tensor.Tensor {
	var out *tensor.Tensor
	or := func(x *tensor.Tensor) {
		if out == nil {
			out = x
		} else {
			out = out.Maximum(x)
		}
	}
	zero := tensor.FullOn(dev, dtype, 0)
	if m.Causal {
		rows := tensor.Arange(0, float64(tq), 1).As(dtype).To(dev).Reshape(tq, 1)
		cols := tensor.Arange(0, float64(tk), 1).As(dtype).To(dev).Reshape(1, tk)
		or(cols.Gt(rows.AddScalar(float64(tk - tq))))
	}
	if m.KeyMask != nil {
		km := m.KeyMask
		if km.DType() != dtype {
			km = km.As(dtype)
		}
		or(km.Eq(zero).Reshape(b, 1, 1, tk))
	}
	if m.Allowed != nil {
		a := m.Allowed
		if a.DType() != dtype {
			a = a.As(dtype)
		}
		or(a.Eq(zero))
	}
	return out
}

// saved returns the mask tensors whose storage the fused path reads again
// in its backward pass. They are passed to tensor.CustomOp as inputs
// (receiving no gradient) so that modifying one in place between the
// forward and the backward pass is detected, as for any op.
func (m Mask) saved() []*tensor.Tensor {
	var ts []*tensor.Tensor
	for _, t := range []*tensor.Tensor{m.Bias, m.Allowed} {
		if t != nil {
			ts = append(ts, t)
		}
	}
	return ts
}
