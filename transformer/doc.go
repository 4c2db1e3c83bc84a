// Package transformer builds transformer encoders and decoders from the
// layers of packages nn and attention: EncoderLayer, DecoderLayer (self-
// and cross-attention), the Encoder and Decoder stacks, the
// encoder-decoder Transformer, and the decoder-only Block and Stack, with
// pre-LN or post-LN residual blocks, a choice of activation and norm, and
// an optional final norm.
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
//	h := enc.Forward(x, attention.Mask{KeyMask: attention.Keep(attentionMask)})
//
// A decoder-only model (GPT-2, LLaMA) is a Stack of Blocks — pre-norm
// self-attention and feed-forward sublayers — and a final norm. It
// decodes incrementally with a Cache, given each step's new tokens only:
//
//	cfg := transformer.Config{Dim: 768, Heads: 12, Act: nn.GELUTanh}
//	gpt := transformer.NewStack(cfg, 12, g)
//	var cache transformer.Cache
//	h := gpt.Forward(prompt, nil, attention.Mask{Causal: true}, &cache)
//	h = gpt.Forward(next, nil, attention.Mask{Causal: true}, &cache)
//
// For a left-padded batch, pass the key mask over every position the
// cache holds after the step, and each token's position counted from its
// row's first token (rotary embeddings use them).
// The encoder-decoder Decoder decodes incrementally the same way.
package transformer
