// Package metrics scores models the way the reference tools do, to the
// digit: classification metrics as scikit-learn computes them, perplexity
// as PyTorch's cross-entropy gives it, BLEU and chrF as sacreBLEU 2.6.0
// prints them (scores, printed lines and signatures), BLEU as nltk 3.8
// computes it, ROUGE as Google's rouge-score 0.1.2 does, and SQuAD exact
// match and F1 as the official evaluation scripts do.
//
// The package stands alone: it does not import the tensor stack, and takes
// plain slices and strings.
//
// To start, score a corpus with sacreBLEU's defaults:
//
//	score, err := metrics.CorpusBLEU(hyps, refs) // refs[i] are the references of hyps[i]
//	fmt.Println(score, score.Signature)
//
// The entry points, by task:
//
//   - Classification: [NewConfusionMatrix] gives accuracy, per-class and
//     averaged precision/recall/F-beta, MCC and scikit-learn's text report;
//     [TopKAccuracy] scores ranked predictions.
//   - Language modelling: [LogitsNLL], [CausalLMNLL] and [FromLogProbs]
//     give [LMStats], whose methods return perplexity (base e or 2, per
//     token, word or byte) and bits per byte.
//   - Generation: [BLEU] (sacreBLEU; [SentenceBLEU], [CorpusBLEU]),
//     [NLTKBLEU] (nltk), [CHRF] (chrF and chrF++), [ROUGE] (ROUGE-N, L and
//     Lsum, with [PorterStemmer]), and bootstrap confidence intervals
//     ([BLEU.Bootstrap], [BootstrapROUGE]).
//   - Question answering: [SQuAD], [SQuADv2], [SQuADExactMatch], [SQuADF1].
//
// Inside a training or evaluation loop, the streaming accumulators
// ([ConfusionMatrix], [PerplexityAccumulator], [BLEUAccumulator],
// [CHRFAccumulator], [ROUGEAccumulator]) take batches from several
// goroutines and give the score of everything added at any time.
//
// Where two reference tools disagree (nltk's and sacreBLEU's BLEU), both
// behaviours are offered under distinct names: [BLEU] follows sacreBLEU and
// [NLTKBLEU] follows nltk.
//
// Bad input (mismatched lengths, hypotheses without references, unknown
// options, targets outside the vocabulary) gives an error that wraps one of
// the sentinel errors ([ErrLengthMismatch], [ErrNoReference],
// [ErrBadOption], [ErrEmpty], [ErrUndefined]); slices of labels of
// different lengths, a programmer error, panic.
//
// The tests reproduce every case of the reference outputs stored in
// testdata/ (see testdata/README.md for their provenance).
package metrics
