// Package metrics scores models the way the reference tools do, to the
// digit: classification metrics as scikit-learn computes them, perplexity
// as PyTorch's cross-entropy gives it, BLEU and chrF as sacreBLEU 2.6.0
// prints them (scores, printed lines and signatures), BLEU as nltk 3.8
// computes it, ROUGE as Google's rouge-score 0.1.2 does, and SQuAD exact
// match and F1 as the official evaluation script does.
//
// The package stands alone: it does not import the tensor stack, and takes
// plain slices and strings.
//
// To start, score a corpus with sacreBLEU's defaults:
//
//	score, err := metrics.CorpusBLEU(hyps, refs) // refs[i] are the references of hyps[i]
//	fmt.Println(score, score.Signature)
//
// Configure a metric with its struct ([BLEU], [CHRF], [ROUGE]); each has a
// Corpus or Score method and additive statistics for streaming use. The
// accumulators ([BLEUAccumulator] and the others) add batches from several
// goroutines inside a training loop and give the score at any time.
//
// Where two reference tools disagree (nltk's and sacreBLEU's BLEU), both
// behaviours are offered under distinct names: [BLEU] follows sacreBLEU and
// [NLTKBLEU] follows nltk.
//
// The package's tests reproduce every case of reference outputs stored in
// testdata/ (see testdata/README.md for their provenance).
package metrics
