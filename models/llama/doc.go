// Package llama is the family of decoder-only models that users now
// fine-tune and serve, as Hugging Face's transformers defines them for
// model_type "llama" (Llama 2 and 3, TinyLlama, SmolLM) and "qwen2"
// (Qwen2, Qwen2.5): token embeddings without positions, pre-norm blocks
// of RMSNorm, grouped-query attention with rotary positions (and the
// linear, dynamic-NTK and llama3 context scalings), a SwiGLU
// feed-forward, no biases (but Qwen2's on the query, key and value
// projections), and a tied or untied head.
//
// Load a Hugging Face checkpoint (a directory, or a repository in the
// local cache) and run it:
//
//	m, err := llama.FromPretrained("HuggingFaceTB/SmolLM-135M", llama.LoadOptions{})
//	out := m.Forward(lm.Inputs{IDs: ids, Mask: mask, Labels: ids}) // logits [B, T, V], loss
//
// bfloat16 and float16 checkpoints are converted to float32 on load, or
// kept as stored with LoadOptions.DType. ForCausalLM is a generate.Model
// (NewCache, Step over a KV cache) for package generate. Save writes a
// directory with save_pretrained's names, which Load reads back.
//
// The model is built from the shared layers: transformer.Stack and Block
// (the decoder-only block with a KV cache, here with RMSNorm, separate
// q/k/v projections, grouped key/value heads and a gated feed-forward),
// embed.Token and embed.Rotary; package lm holds the pass, the loss and
// the decoding step the decoder-only families share. What is Llama's own
// is here: its configuration (rope_scaling included), one rotary table
// shared by every layer, the optional biases, and Layout, the table that
// maps goformer's tensor names to transformers'.
package llama
