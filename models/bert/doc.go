// Package bert is BERT (Devlin et al. 2018) as Hugging Face's transformers
// implements it: the encoder (BertModel), its pre-training heads (masked
// LM with the decoder tied to the word embeddings, next-sentence
// prediction, both) and its task heads (sequence classification and
// regression, multiple choice, token classification, extractive question
// answering), and sentence embeddings by mean or [CLS] pooling. It loads
// and saves Hugging Face checkpoints with their exact names, and computes
// the same outputs and gradients as transformers.
//
// Load a pre-trained model from a model directory or the hub cache, and
// its tokenizer:
//
//	m, dir, err := bert.FromPretrained[*bert.ForSequenceClassification]("bert-base-uncased",
//		bert.Options{NumLabels: 3, Seed: 1}) // a new 3-way head, drawn from seed 1
//	tok, err := dir.Tokenizer()
//	enc, err := tok.EncodePair("A man is eating.", "Someone eats.")
//	logits := nn.Detached(m).Forward(bert.Input{IDs: ids, TypeIDs: types, Mask: mask}) // [B, 3]
//
// or build a new one of any size, initialised as transformers initialises
// it (weights N(0, 0.02), zero biases, unit LayerNorms):
//
//	c := bert.Base()
//	c.NumHiddenLayers = 4
//	m := bert.NewForMaskedLM(c, tensor.NewGenerator(seed))
//
// Each head's Forward returns its logits and its Loss computes
// transformers' loss from them (labels of -100 are ignored, as there), so
// that a training step reads
//
//	nn.Train(m)
//	logits := m.Forward(in)
//	loss := m.Loss(logits, labels)
//	loss.Backward()
//
// The encoder's layers are transformer.EncoderLayer values (post-LN, one
// fused product for queries, keys and values); Layout maps their names to
// Hugging Face's ("encoder.layer.0.self_attn.out_proj" is stored as
// "encoder.layer.0.attention.output.dense", the fused projection as the
// separate query, key and value of "encoder.layer.0.attention.self"), and
// Save writes checkpoints under save_pretrained's names (the tests
// compare them with the fixtures of testdata/gen_bert.py).
package bert
