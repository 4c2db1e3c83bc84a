// Package attention computes scaled dot-product attention and provides the
// multi-head attention module of transformers, with masks, grouped
// key/value heads, rotary positions and a KV cache for incremental
// decoding.
//
// # Scaled dot-product attention
//
// ScaledDotProduct takes queries [B, H, Tq, Dh], keys [B, Hk, Tk, Dh] and
// values [B, Hk, Tk, Dv] and returns softmax(q·kᵀ/√Dh + mask)·v:
//
//	out := attention.ScaledDotProduct(q, k, v, attention.Options{
//		Mask: attention.Mask{Causal: true, KeyMask: keys}, // keys [B, Tk]: 1 token, 0 padding
//	})
//
// A Mask combines a causal constraint, a per-sequence key mask (Hugging
// Face's attention_mask: 1 for tokens, 0 for padding), a boolean Allowed
// mask and an additive Bias, all broadcast over [B, H, Tq, Tk].
//
// Two kernels compute it. The plain path builds the score matrix with
// tensor ops, runs on any device and can return the attention weights
// (ScaledDotProductWeights). The fused path (CPU) works block by block
// with a streaming softmax, as FlashAttention does: it never holds the
// [Tq, Tk] matrix, reads heads straight from strided projections, writes
// its output in the layout the output projection reads, and recomputes
// the blocks in the backward pass from one saved statistic per row. Both
// agree to float32 rounding, dropout included (they draw the same mask
// from the same generator state); Auto picks the fused path where it
// applies.
//
// # Multi-head attention
//
// MultiHead projects its inputs, splits heads, attends and projects the
// result back. Its parameters use PyTorch's names (in_proj_weight,
// out_proj.weight) with a fused input projection, or q_proj, k_proj,
// v_proj with separate ones, so checkpoints of either kind load by name:
//
//	mha := attention.New(attention.Config{Dim: 768, Heads: 12, FusedQKV: true}, g)
//	y := mha.Forward(x, attention.Mask{Causal: true}, nil)  // self-attention
//	z := mha.Cross(y, encoderOut, attention.Mask{KeyMask: srcMask}, nil)
//
// For generation, pass a Cache per layer: each call appends the new
// tokens' keys and values and attends over all of them.
package attention
