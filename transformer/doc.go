// Package transformer builds transformer encoders and decoders from the
// layers of packages nn and attention: EncoderLayer, DecoderLayer (self-
// and cross-attention), the Encoder and Decoder stacks, and the
// encoder-decoder Transformer, with pre-LN or post-LN residual blocks, a
// choice of activation and norm, and an optional final norm.
//
// Parameters are named as PyTorch names them (self_attn.in_proj_weight,
// linear1.weight, norm1.bias, encoder.layers.0..., decoder.norm.weight),
// so a state dict saved from nn.Transformer, nn.TransformerEncoder or
// nn.TransformerDecoderLayer loads into the matching Go value, which then
// computes the same outputs and gradients.
//
// A BERT-style encoder:
//
//	cfg := transformer.Config{Dim: 768, Heads: 12, Act: nn.GELU, Eps: 1e-12}
//	enc := transformer.NewEncoder(cfg, 12, false, tensor.NewGenerator(seed))
//	h := enc.Forward(x, attention.Mask{KeyMask: attentionMask})
//
// A GPT-style decoder-only stack is an Encoder of pre-LN layers with a
// causal mask and a final norm:
//
//	cfg := transformer.Config{Dim: 768, Heads: 12, Act: nn.GELUTanh, NormFirst: true}
//	gpt := transformer.NewEncoder(cfg, 12, true, g)
//	h := gpt.Forward(x, attention.Mask{Causal: true})
//
// Decoders decode incrementally with a Cache: pass the same Cache at every
// step with only the new tokens.
package transformer
