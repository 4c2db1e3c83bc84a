//go:build long

package fasttext

// Means over seeds 1-3 of the higher-scoring reference (Debian's fastText
// 0.9.2 skipgram, or gensim 4.2.0's FastText) on the State of the Union
// corpus, measured with benchmarks/reference/embeddings_compare.py quality
// (see benchmarks/results/embeddings.md). Accuracy in percent.
const (
	refSkipGramAcc = 58.05  // fastText (gensim 56.69)
	refSkipGramRho = 0.4342 // gensim (fastText 0.3940)
)
