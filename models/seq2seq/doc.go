// Package seq2seq implements encoder-decoder transformers: the original
// Transformer of Vaswani et al. (2017) and T5 (v1.0, v1.1 and mT5) in
// Hugging Face's checkpoint layout, for teacher-forced training and for
// cached decoding with package generate.
//
// Both are built on the layers of package transformer (EncoderLayer,
// DecoderLayer and their stacks) and implement Model: Encode maps source
// ids to the encoder's output, Decode maps decoder ids over it to logits.
//
// # Getting started
//
// Build a model from a config, or load one:
//
//	m := seq2seq.NewTransformer(seq2seq.TransformerConfig{
//		VocabSize: 8000, Dim: 512, Heads: 8, EncoderLayers: 6, DecoderLayers: 6,
//		Dropout: 0.1, PadTokenID: 0, BOSTokenID: 1, EOSTokenID: 2, DecoderStart: 1,
//	}, tensor.NewGenerator(1))
//	t5, err := seq2seq.FromPretrained("google-t5/t5-small", hub.Options{}) // or LoadDir(path)
//
// Train with teacher forcing: Collate pads token ids (from LoadTokenizer's
// tokenizer, say) into a batch whose labels hold the targets, IgnoreIndex
// where padded; the decoder inputs are the labels shifted right
// (ShiftRight), as in Hugging Face:
//
//	in, err := seq2seq.Collate(sources, targets, m.Special().Pad)
//	out := m.Forward(in)
//	out.Loss.Backward()
//	opt.Step()
//
// Generate: Bind encodes a batch of sources once and returns a
// generate.Model, whose cache carries the decoder's keys and values and
// the encoder's output, so that beam search reorders them together:
//
//	b := seq2seq.Bind(m, in.IDs, in.Mask)
//	out, err := generate.Generate(ctx, b, b.Prompts(), generate.Options{
//		MaxNewTokens: 64, Beams: 4, StopTokens: []int{m.Special().EOS},
//	})
//
// SaveDir writes config.json and model.safetensors (T5 under Hugging
// Face's names, so that transformers' from_pretrained loads it back, with
// a tokenizer.json when given one); LoadDir and FromPretrained read either
// family. T5Layout is the one table between goformer's names and Hugging
// Face's.
package seq2seq
