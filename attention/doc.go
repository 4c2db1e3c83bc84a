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
//		Mask: attention.Mask{Causal: true, KeyMask: attention.Keep(keys)}, // keys [B, Tk]: 1 token, 0 padding
//	})
//
// A Mask combines a causal constraint, a per-sequence key mask, a
// query-by-key boolean mask and an additive Bias, all broadcast over
// [B, H, Tq, Tk]. The two boolean parts take their convention with them:
// Keep(m) for masks where 1 means "may attend" (Hugging Face's
// attention_mask: 1 for tokens, 0 for padding), Blocked(m) for masks where
// 1 means "may not attend" (PyTorch's key_padding_mask and boolean
// attn_mask). A bare tensor does not compile in their place, so a
// PyTorch mask cannot be read backwards by mistake:
//
//	attention.Mask{KeyMask: attention.Keep(attentionMask)}      // Hugging Face
//	attention.Mask{KeyMask: attention.Blocked(keyPaddingMask)}  // PyTorch
//	attention.Mask{Pairs: attention.Blocked(attnMask)}          // PyTorch boolean attn_mask
//	attention.Mask{Bias: floatAttnMask}                         // PyTorch float attn_mask (0 / -Inf)
//
// A query whose every key is masked gets zeros (PyTorch gives NaN).
//
// Two kernels compute it, both in package tensor. The plain path
// (tensor.AttentionWeights) builds the score matrix with tensor ops, runs
// on any device and can return the attention weights
// (ScaledDotProductWeights). The fused path (tensor.Attention, on the CPU)
// works block by block with a streaming softmax, as FlashAttention does:
// it never holds the [Tq, Tk] matrix, reads heads straight from strided
// projections and from a Cache's buffers, writes its output in the layout
// the output projection reads, and recomputes the blocks in the backward
// pass from one saved statistic per row. Both agree to float32 rounding,
// dropout included (they draw the same mask from the same generator
// state); Auto takes the fused path, for self-attention with or without a
// cache, rotary positions, grouped heads and cross-attention alike.
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
//	z := mha.Cross(y, encoderOut, attention.Mask{KeyMask: attention.Keep(srcMask)}, nil)
//
// For generation, pass a Cache per layer: each call appends the new
// tokens' keys and values and attends over all of them.
package attention
