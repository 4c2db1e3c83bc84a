package seq2seq

import "strings"

// t5Names is the whole correspondence between the names of a T5 model's
// tensors in goformer (left) and in Hugging Face's
// T5ForConditionalGeneration (right). N stands for a layer number. The
// feed-forward rows are those of T5 v1.0 (DenseReluDense.wi, wo); gated
// models (v1.1) name the gate wi_0 and the linear branch wi_1 (see
// t5GatedNames).
var t5Names = [][2]string{
	{"shared.weight", "shared.weight"},
	{"lm_head.weight", "lm_head.weight"},

	{"encoder.relative_attention_bias.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"},
	{"encoder.layers.N.self_attn.q_proj.weight", "encoder.block.N.layer.0.SelfAttention.q.weight"},
	{"encoder.layers.N.self_attn.k_proj.weight", "encoder.block.N.layer.0.SelfAttention.k.weight"},
	{"encoder.layers.N.self_attn.v_proj.weight", "encoder.block.N.layer.0.SelfAttention.v.weight"},
	{"encoder.layers.N.self_attn.out_proj.weight", "encoder.block.N.layer.0.SelfAttention.o.weight"},
	{"encoder.layers.N.norm1.weight", "encoder.block.N.layer.0.layer_norm.weight"},
	{"encoder.layers.N.linear1.weight", "encoder.block.N.layer.1.DenseReluDense.wi.weight"},
	{"encoder.layers.N.linear2.weight", "encoder.block.N.layer.1.DenseReluDense.wo.weight"},
	{"encoder.layers.N.norm2.weight", "encoder.block.N.layer.1.layer_norm.weight"},
	{"encoder.norm.weight", "encoder.final_layer_norm.weight"},

	{"decoder.relative_attention_bias.weight", "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"},
	{"decoder.layers.N.self_attn.q_proj.weight", "decoder.block.N.layer.0.SelfAttention.q.weight"},
	{"decoder.layers.N.self_attn.k_proj.weight", "decoder.block.N.layer.0.SelfAttention.k.weight"},
	{"decoder.layers.N.self_attn.v_proj.weight", "decoder.block.N.layer.0.SelfAttention.v.weight"},
	{"decoder.layers.N.self_attn.out_proj.weight", "decoder.block.N.layer.0.SelfAttention.o.weight"},
	{"decoder.layers.N.norm1.weight", "decoder.block.N.layer.0.layer_norm.weight"},
	{"decoder.layers.N.multihead_attn.q_proj.weight", "decoder.block.N.layer.1.EncDecAttention.q.weight"},
	{"decoder.layers.N.multihead_attn.k_proj.weight", "decoder.block.N.layer.1.EncDecAttention.k.weight"},
	{"decoder.layers.N.multihead_attn.v_proj.weight", "decoder.block.N.layer.1.EncDecAttention.v.weight"},
	{"decoder.layers.N.multihead_attn.out_proj.weight", "decoder.block.N.layer.1.EncDecAttention.o.weight"},
	{"decoder.layers.N.norm2.weight", "decoder.block.N.layer.1.layer_norm.weight"},
	{"decoder.layers.N.linear1.weight", "decoder.block.N.layer.2.DenseReluDense.wi.weight"},
	{"decoder.layers.N.linear2.weight", "decoder.block.N.layer.2.DenseReluDense.wo.weight"},
	{"decoder.layers.N.norm3.weight", "decoder.block.N.layer.2.layer_norm.weight"},
	{"decoder.norm.weight", "decoder.final_layer_norm.weight"},
}

// t5GatedNames replaces the feed-forward rows of t5Names in gated models.
var t5GatedNames = [][2]string{
	{"encoder.layers.N.gate.weight", "encoder.block.N.layer.1.DenseReluDense.wi_0.weight"},
	{"encoder.layers.N.linear1.weight", "encoder.block.N.layer.1.DenseReluDense.wi_1.weight"},
	{"decoder.layers.N.gate.weight", "decoder.block.N.layer.2.DenseReluDense.wi_0.weight"},
	{"decoder.layers.N.linear1.weight", "decoder.block.N.layer.2.DenseReluDense.wi_1.weight"},
}

// t5Aliases are names under which Hugging Face checkpoints may hold the
// shared embeddings again (tied copies written by older versions).
var t5Aliases = []string{"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}

// Names translates tensor names between goformer and a checkpoint layout,
// both ways. The zero value (and nil) keeps names as they are.
type Names struct {
	toFile, fromFile map[string]string
}

// T5Names returns the translation between goformer's and Hugging Face's
// names for a T5 model of config c.
func T5Names(c T5Config) *Names {
	n := &Names{toFile: map[string]string{}, fromFile: map[string]string{}}
	rows := t5Names
	if _, gated, _ := c.feedForward(); gated {
		rows = append(append([][2]string{}, t5Names...), t5GatedNames...)
	}
	for _, r := range rows {
		if old, ok := n.toFile[r[0]]; ok {
			delete(n.fromFile, old)
		}
		n.toFile[r[0]] = r[1]
		n.fromFile[r[1]] = r[0]
	}
	return n
}

// ToFile returns the checkpoint's name for a goformer name, and whether
// the table knows it.
func (n *Names) ToFile(name string) (string, bool) {
	if n == nil || n.toFile == nil {
		return name, true
	}
	return translate(n.toFile, name)
}

// FromFile returns goformer's name for a checkpoint name, and whether the
// table knows it.
func (n *Names) FromFile(name string) (string, bool) {
	if n == nil || n.fromFile == nil {
		return name, true
	}
	return translate(n.fromFile, name)
}

// translate looks name up exactly, then with its first number replaced by
// N (the layer) and put back into the result.
func translate(table map[string]string, name string) (string, bool) {
	if t, ok := table[name]; ok {
		return t, true
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if !isNumber(p) {
			continue
		}
		parts[i] = "N"
		t, ok := table[strings.Join(parts, ".")]
		if !ok {
			return "", false
		}
		return strings.Replace(t, ".N.", "."+p+".", 1), true
	}
	return "", false
}

// isNumber reports whether s is a layer number as PyTorch writes it
// (decimal digits, no sign, no leading zero).
func isNumber(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
