// Package gpt is GPT-2 (Radford et al. 2019) as Hugging Face's
// transformers defines it: learned positions, pre-LN blocks of fused-QKV
// attention and a gelu_new feed-forward, a final LayerNorm, and the
// language-model head tied to the token embedding; with a KV cache for
// generation, a sequence-classification head, and every size from a
// configuration (Size: tiny to XL).
//
// Load a Hugging Face checkpoint (a directory, or a repository in the
// local cache) and run it:
//
//	m, err := gpt.FromPretrained("openai-community/gpt2", gpt.LoadOptions{})
//	out := m.Forward(lm.Inputs{IDs: ids, Mask: mask, Labels: ids}) // logits [B, T, V], loss
//	out.Loss.Backward()                                            // fine-tuning
//
// Generation goes through package generate, for which LMHeadModel is a
// generate.Model (NewCache, Step over a KV cache). Save writes a directory
// with save_pretrained's names and layouts, which Load reads back.
//
// The model is built from the shared layers: transformer.Stack and Block
// (the decoder-only block with a KV cache), embed.Token and
// embed.Learned, nn.Linear for the head; package lm holds the pass, the
// loss and the decoding step the decoder-only families share. What is
// GPT-2's own is here: its configuration, the learned positions added to
// the tokens, its initialisation and attention scaling options, and
// Layout, the table that maps goformer's tensor names to transformers'
// (h.N.attn.c_attn, stored transposed as Conv1D keeps it).
package gpt
