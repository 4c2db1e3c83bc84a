// Package embed turns token ids and positions into vectors: token
// embeddings, segment (token-type) embeddings, learned and sinusoidal
// position embeddings, and rotary position embeddings (RoPE), as modules of
// package nn.
//
// A BERT-style input layer is the sum of three lookups:
//
//	tok := embed.NewToken(vocab, 768, g)      // "word_embeddings.weight"
//	pos := embed.NewLearned(512, 768, g)      // "position_embeddings.weight"
//	seg := embed.NewToken(2, 768, g)          // "token_type_embeddings.weight"
//	x := tok.Forward(ids).Add(pos.Forward(0, t)).Add(seg.Forward(typeIDs))
//
// A transformer after Vaswani et al. adds a fixed table instead
// (NewSinusoidal), and GPT-NeoX- or LLaMA-style attention rotates queries
// and keys by their positions (Rotary.Apply) instead of adding anything.
//
// FromVectors builds a token embedding from pre-trained word vectors
// (word2vec, GloVe, fastText: see embed/wordvec) for a tokenizer's
// vocabulary in one call, with a policy for words the vectors lack.
//
// The subpackages word2vec, glove, fasttext and wordvec train and load
// classic word vectors; they do not depend on this package.
package embed
