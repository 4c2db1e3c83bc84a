// Package seq2seq implements encoder-decoder transformers: the original
// Transformer of Vaswani et al. (2017) and T5 (v1.0, v1.1 and mT5) in
// Hugging Face's checkpoint layout, for teacher-forced training and for
// cached decoding through package generate.
//
// Both are built on the layers of package transformer (EncoderLayer,
// DecoderLayer and their stacks) and implement Model: Encode maps source
// ids to the encoder's output, Decode maps decoder ids over it to logits.
//
// # Getting started
//
// Build a model from a config, or load a directory:
//
//	m := seq2seq.NewTransformer(seq2seq.TransformerConfig{
//		VocabSize: 8000, Dim: 512, Heads: 8, EncoderLayers: 6, DecoderLayers: 6,
//		Dropout: 0.1, PadTokenID: 0, BOSTokenID: 1, EOSTokenID: 2, DecoderStart: 1,
//	}, tensor.NewGenerator(1))
//	t5, err := seq2seq.LoadT5("path/to/t5-small") // config.json + model.safetensors
//
// Train with teacher forcing: labels [B, T] hold the targets, IgnoreIndex
// where padded; the decoder inputs are the labels shifted right
// (ShiftRight), as in Hugging Face:
//
//	out := m.Forward(seq2seq.Inputs{IDs: src, Mask: srcMask, Labels: labels})
//	out.Loss.Backward()
//
// Generate: Bind encodes a batch of sources once and returns a
// generate.Model, whose cache carries the decoder's keys and values and
// the encoder's output (so that beam search reorders them together):
//
//	b := seq2seq.Bind(m, src, srcMask)
//	cache := b.NewCache(src.Dim(0))
//	logits := b.Step(startIDs, nil, cache) // [B, Vocab] for the next token
//
// SaveDir writes config.json and model.safetensors (T5 in Hugging Face's
// names, so that transformers loads it back); LoadDir reads either family.
package seq2seq
