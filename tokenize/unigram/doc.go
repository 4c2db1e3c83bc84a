// Package unigram implements the Unigram language-model tokenizer of
// SentencePiece: loading and saving .model files, SentencePiece's
// normalizer, Viterbi encoding with byte offsets into the input, n-best
// segmentations, subword-regularisation sampling, byte fallback, decoding,
// and training with EM and pruning. It also encodes SentencePiece's BPE
// models (model_type BPE in a .model file), which share all of this but
// the segmentation.
//
// Start with LoadFile and Encode:
//
//	m, err := unigram.LoadFile("spm.model")
//	if err != nil { ... }
//	for _, p := range m.Encode("Hello world") {
//		fmt.Println(p.ID, p.Piece, p.Start, p.End)
//	}
//	text, err := m.Decode(m.EncodeIDs("Hello world"))
//
// Encodings equal those of SentencePiece 0.1.97 for the same .model file
// (Unigram or BPE),
// including its normalization rules (the precompiled character map stored in
// the file, such as nmt_nfkc), whitespace handling, unknown-character
// merging and byte fallback; NBest returns SentencePiece's n-best lists in
// its order. Sample draws segmentations for subword regularisation from a
// caller's seeded random source.
//
// Train builds a new model from a stream of sentences with SentencePiece's
// algorithm: seed pieces from frequent substrings (a suffix array), EM with
// a digamma-based (Bayesian) M step, pruning by the loss of likelihood, and a
// final vocabulary with the required characters and meta pieces. With the
// same settings and corpus it gives the same pieces, ids and scores as
// SentencePiece's trainer. BuiltinNormalizerSpec provides SentencePiece's
// named rule sets (nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf, identity).
//
// The package stands alone. A tokenization pipeline that normalizes and
// pre-tokenizes on its own can run the model alone with EncodeNormalized,
// and use a Normalizer built from any precompiled character map.
package unigram
