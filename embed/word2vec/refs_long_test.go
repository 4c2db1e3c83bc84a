//go:build long

package word2vec

// Means over seeds of the higher-scoring reference (fastText 0.9.2 with
// -maxn 0, or gensim 4.2.0) on the State of the Union corpus, measured with
// benchmarks/reference/embeddings_compare.py quality; see
// benchmarks/results/embeddings.md. Accuracy in percent.
const (
	refSkipGramAcc = 12.75  // fastText, seeds 1-3 (gensim 12.39)
	refSkipGramRho = 0.2946 // gensim, seeds 1-3 (fastText 0.2896)
	refCBOWAcc     = 10.37  // gensim, seeds 1-6 (fastText 9.36, seeds 1-3)
	refCBOWRho     = 0.2803 // gensim, seeds 1-6 (fastText 0.2630, seeds 1-3)
)
