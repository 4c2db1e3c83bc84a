package attention

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Mask says which keys each query may attend to. The zero Mask lets every
// query see every key. Its parts combine: a score counts only where every
// part allows it, and Bias is added to the scores that count.
//
// Boolean parts carry their convention, so that a mask cannot be read
// backwards: wrap a tensor in Keep when its non-zero entries mark what may
// be attended to (Hugging Face's attention_mask: 1 for tokens, 0 for
// padding) and in Blocked when they mark what may not (PyTorch's
// key_padding_mask and boolean attn_mask: true for padding or forbidden
// pairs). A bare tensor is not accepted where a boolean mask is expected.
//
// A query whose every key is masked (a row of padding before the first
// token of a left-padded sequence, say) gets an output of zeros and passes
// no gradient, where PyTorch's nn.MultiheadAttention gives NaN.
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
	// KeyMask [B, Tk] says which keys of each sequence are tokens and
	// which are padding: Keep(attentionMask) with Hugging Face's
	// attention_mask, Blocked(keyPaddingMask) with PyTorch's.
	KeyMask *Bool
	// Pairs, broadcastable to [B, H, Tq, Tk], says which query may see
	// which key: Keep(allowed) with 1 where attention is allowed,
	// Blocked(attnMask) with PyTorch's boolean attn_mask.
	Pairs *Bool
	// Bias, broadcastable to [B, H, Tq, Tk] and of the queries' dtype, is
	// added to the scaled scores (ALiBi, T5's relative position bias,
	// PyTorch's float attn_mask); -Inf entries mask.
	Bias *tensor.Tensor
}

// Bool is a boolean mask together with its convention. Make one with Keep
// or Blocked; its entries must be 0 or 1 (any dtype).
type Bool struct {
	t       *tensor.Tensor
	blocked bool
	keepT   *tensor.Tensor // t in the Keep convention
}

// Keep wraps a mask whose non-zero entries mark what may be attended to
// and whose zeros mark what may not: Hugging Face's attention_mask (1 for
// a token, 0 for padding). A nil tensor gives a nil *Bool (no mask).
//
// Entries must be 0 or 1; a mask holding anything else (the 0 / -Inf of
// an additive float mask, which belongs in Mask.Bias) panics, naming the
// value, where it can be read (on the CPU).
func Keep(t *tensor.Tensor) *Bool { return newBool("Keep", t, false) }

// Blocked wraps a mask whose non-zero entries mark what may not be
// attended to: PyTorch's key_padding_mask (true for padding) and boolean
// attn_mask (true for a forbidden pair). A nil tensor gives a nil *Bool.
// Entries must be 0 or 1, as for Keep.
func Blocked(t *tensor.Tensor) *Bool { return newBool("Blocked", t, true) }

func newBool(op string, t *tensor.Tensor, blocked bool) *Bool {
	if t == nil {
		return nil
	}
	if t.Device() == tensor.CPU && t.Numel() > 0 {
		for _, v := range t.Detach().As(tensor.Float64).Float64s() {
			if v != 0 && v != 1 {
				panic(fmt.Sprintf("attention: %s: mask %v holds %v: a boolean mask holds 0 and 1 only (an additive float mask of 0 and -Inf goes in Mask.Bias)", op, t.Shape(), v))
			}
		}
	}
	b := &Bool{t: t, blocked: blocked, keepT: t}
	if blocked {
		d := t.Detach()
		b.keepT = d.Eq(tensor.FullOn(d.Device(), d.DType(), 0))
	}
	return b
}

// Tensor returns the wrapped tensor, as given.
func (b *Bool) Tensor() *tensor.Tensor {
	if b == nil {
		return nil
	}
	return b.t
}

// IsBlocked reports whether the mask was made by Blocked (non-zero = may
// not attend).
func (b *Bool) IsBlocked() bool { return b != nil && b.blocked }

// String names the convention and the shape ("Keep[2 5]").
func (b *Bool) String() string {
	switch {
	case b == nil:
		return "<nil>"
	case b.blocked:
		return fmt.Sprintf("Blocked%v", b.t.Shape())
	}
	return fmt.Sprintf("Keep%v", b.t.Shape())
}

// keep returns the mask in the Keep convention (non-zero = may attend), of
// the wrapped tensor's dtype, or nil for a nil mask.
func (b *Bool) keep() *tensor.Tensor {
	if b == nil {
		return nil
	}
	return b.keepT
}

// IsZero reports whether the mask allows everything.
func (m Mask) IsZero() bool {
	return !m.Causal && m.KeyMask == nil && m.Pairs == nil && m.Bias == nil
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
		s := m.KeyMask.t.Shape()
		if len(s) != 2 || s[0] != b || s[1] != tk {
			panic(fmt.Sprintf("attention: %s: KeyMask %v, want [B, Tk] = [%d %d]", op, m.KeyMask, b, tk))
		}
		if m.KeyMask.t.Device() != dev {
			panic(fmt.Sprintf("attention: %s: KeyMask %v is on %v, the queries on %v", op, m.KeyMask, m.KeyMask.t.Device(), dev))
		}
	}
	if m.Pairs != nil {
		broadcast4(op, "Pairs mask", m.Pairs.t, b, h, tq, tk)
		if m.Pairs.t.Device() != dev {
			panic(fmt.Sprintf("attention: %s: Pairs mask %v is on %v, the queries on %v", op, m.Pairs, m.Pairs.t.Device(), dev))
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
