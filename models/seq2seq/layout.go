package seq2seq

import "github.com/goformer/goformer/models/hub"

// t5Names is the whole correspondence between the names of a T5 model's
// tensors in goformer (Model) and in Hugging Face's
// T5ForConditionalGeneration (Checkpoint); "*" stands for a layer number.
// Names that no row matches (shared.weight, lm_head.weight) are the same
// in both. The feed-forward rows are those of T5 v1.0 (DenseReluDense.wi,
// wo); gated models (v1.1) name the gate wi_0 and the linear branch wi_1
// (t5GatedNames).
var t5Names = []hub.Rename{
	{Model: "encoder.relative_attention_bias", Checkpoint: "encoder.block.0.layer.0.SelfAttention.relative_attention_bias"},
	{Model: "encoder.layers.*.self_attn.q_proj", Checkpoint: "encoder.block.*.layer.0.SelfAttention.q"},
	{Model: "encoder.layers.*.self_attn.k_proj", Checkpoint: "encoder.block.*.layer.0.SelfAttention.k"},
	{Model: "encoder.layers.*.self_attn.v_proj", Checkpoint: "encoder.block.*.layer.0.SelfAttention.v"},
	{Model: "encoder.layers.*.self_attn.out_proj", Checkpoint: "encoder.block.*.layer.0.SelfAttention.o"},
	{Model: "encoder.layers.*.norm1", Checkpoint: "encoder.block.*.layer.0.layer_norm"},
	{Model: "encoder.layers.*.linear1", Checkpoint: "encoder.block.*.layer.1.DenseReluDense.wi"},
	{Model: "encoder.layers.*.linear2", Checkpoint: "encoder.block.*.layer.1.DenseReluDense.wo"},
	{Model: "encoder.layers.*.norm2", Checkpoint: "encoder.block.*.layer.1.layer_norm"},
	{Model: "encoder.norm", Checkpoint: "encoder.final_layer_norm"},

	{Model: "decoder.relative_attention_bias", Checkpoint: "decoder.block.0.layer.0.SelfAttention.relative_attention_bias"},
	{Model: "decoder.layers.*.self_attn.q_proj", Checkpoint: "decoder.block.*.layer.0.SelfAttention.q"},
	{Model: "decoder.layers.*.self_attn.k_proj", Checkpoint: "decoder.block.*.layer.0.SelfAttention.k"},
	{Model: "decoder.layers.*.self_attn.v_proj", Checkpoint: "decoder.block.*.layer.0.SelfAttention.v"},
	{Model: "decoder.layers.*.self_attn.out_proj", Checkpoint: "decoder.block.*.layer.0.SelfAttention.o"},
	{Model: "decoder.layers.*.norm1", Checkpoint: "decoder.block.*.layer.0.layer_norm"},
	{Model: "decoder.layers.*.multihead_attn.q_proj", Checkpoint: "decoder.block.*.layer.1.EncDecAttention.q"},
	{Model: "decoder.layers.*.multihead_attn.k_proj", Checkpoint: "decoder.block.*.layer.1.EncDecAttention.k"},
	{Model: "decoder.layers.*.multihead_attn.v_proj", Checkpoint: "decoder.block.*.layer.1.EncDecAttention.v"},
	{Model: "decoder.layers.*.multihead_attn.out_proj", Checkpoint: "decoder.block.*.layer.1.EncDecAttention.o"},
	{Model: "decoder.layers.*.norm2", Checkpoint: "decoder.block.*.layer.1.layer_norm"},
	{Model: "decoder.layers.*.linear1", Checkpoint: "decoder.block.*.layer.2.DenseReluDense.wi"},
	{Model: "decoder.layers.*.linear2", Checkpoint: "decoder.block.*.layer.2.DenseReluDense.wo"},
	{Model: "decoder.layers.*.norm3", Checkpoint: "decoder.block.*.layer.2.layer_norm"},
	{Model: "decoder.norm", Checkpoint: "decoder.final_layer_norm"},
}

// t5GatedNames come before t5Names in gated models, whose linear1 is
// wi_1.
var t5GatedNames = []hub.Rename{
	{Model: "encoder.layers.*.gate", Checkpoint: "encoder.block.*.layer.1.DenseReluDense.wi_0"},
	{Model: "encoder.layers.*.linear1", Checkpoint: "encoder.block.*.layer.1.DenseReluDense.wi_1"},
	{Model: "decoder.layers.*.gate", Checkpoint: "decoder.block.*.layer.2.DenseReluDense.wi_0"},
	{Model: "decoder.layers.*.linear1", Checkpoint: "decoder.block.*.layer.2.DenseReluDense.wi_1"},
}

// t5TiedCopies are the copies of the shared embeddings that Hugging Face
// checkpoints may hold besides shared.weight (written by older versions).
var t5TiedCopies = []string{"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}

// T5Layout returns how a T5 model of config c is stored in Hugging Face
// checkpoints: the names of t5Names, and the tied copies of the shared
// embeddings (and lm_head.weight, when tied) skipped on load.
func T5Layout(c T5Config) *hub.Layout {
	l := &hub.Layout{Ignore: append([]string(nil), t5TiedCopies...)}
	if _, gated, _ := c.feedForward(); gated {
		l.Names = append(l.Names, t5GatedNames...)
	}
	l.Names = append(l.Names, t5Names...)
	if c.Tied() {
		l.Ignore = append(l.Ignore, "lm_head.weight")
	}
	return l
}

// TransformerLayout is how a Transformer is stored: under goformer's names
// (those of PyTorch's nn.Transformer modules).
var TransformerLayout = &hub.Layout{}
