package metrics_test

import (
	"fmt"

	"github.com/goformer/goformer/metrics"
)

func ExampleCorpusBLEU() {
	hyps := []string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}
	refs := [][]string{ // refs[i] are the references of hyps[i]
		{"The dog bit the man.", "The dog had bit the man."},
		{"It was not unexpected.", "No one was surprised."},
		{"The man bit him first.", "The man had bitten the dog."},
	}
	score, err := metrics.CorpusBLEU(hyps, refs)
	if err != nil {
		panic(err)
	}
	fmt.Println(score)
	fmt.Println(score.Signature)
	// Output:
	// BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
	// nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0
}

func ExampleSentenceBLEU() {
	s, _ := metrics.SentenceBLEU("The cat sat on the mat.", []string{"The cat is on the mat."})
	fmt.Printf("%.2f\n", s.Score)
	// Output: 48.89
}

func ExampleCHRF_Corpus() {
	s, _ := metrics.DefaultCHRFPlusPlus.Corpus([]string{"The cat sat on the mat."}, [][]string{{"The cat is on the mat."}})
	fmt.Println(s)
	// Output: chrF2++ = 69.44
}

func ExampleROUGE_Score() {
	r := metrics.ROUGE{Types: []string{"rouge1", "rougeL"}, Stemmer: metrics.PorterStemmer}
	s, _ := r.Score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.")
	fmt.Printf("rouge1 F = %.4f, rougeL F = %.4f\n", s["rouge1"].F, s["rougeL"].F)
	// Output: rouge1 F = 0.7059, rougeL F = 0.5882
}

func ExampleNLTKBLEU_Sentence() {
	ref := []string{"It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the", "military", "will", "forever", "heed", "Party", "commands"}
	hyp := []string{"It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the", "military", "always", "obeys", "the", "commands", "of", "the", "party"}
	s, _ := metrics.NLTKBLEU{}.Sentence([][]string{ref}, hyp)
	fmt.Printf("%.4f\n", s)
	// Output: 0.4118
}

func ExampleConfusionMatrix() {
	cm := metrics.NewConfusionMatrix([]int{0, 1, 1, 2, 2, 2}, []int{0, 1, 2, 2, 2, 1})
	fmt.Printf("accuracy %.3f, macro F1 %.3f\n", cm.Accuracy(), cm.Averaged(metrics.Macro, 1).F)
	report, _ := cm.Report([]string{"cat", "dog", "bird"}, 2)
	fmt.Print(report)
	// Output:
	// accuracy 0.667, macro F1 0.722
	//               precision    recall  f1-score   support
	//
	//          cat       1.00      1.00      1.00         1
	//          dog       0.50      0.50      0.50         2
	//         bird       0.67      0.67      0.67         3
	//
	//     accuracy                           0.67         6
	//    macro avg       0.72      0.72      0.72         6
	// weighted avg       0.67      0.67      0.67         6
}

func ExampleLogitsNLL() {
	// Two positions over a vocabulary of 3; the second target is padding.
	logits := []float32{2, 0, 0, 1, 1, 1}
	stats, _ := metrics.LogitsNLL(logits, 3, []int{0, metrics.IgnoreIndex}, metrics.IgnoreIndex)
	fmt.Printf("tokens %d, loss %.4f, perplexity %.4f\n", stats.Tokens, stats.MeanNLL(), stats.Perplexity())
	// Output: tokens 1, loss 0.2395, perplexity 1.2707
}

func ExampleSQuAD() {
	s, _ := metrics.SQuAD([]string{"the Eiffel Tower", "1889"}, [][]string{{"Eiffel Tower"}, {"in 1889"}})
	fmt.Printf("EM %.1f, F1 %.1f\n", s.ExactMatch, s.F1)
	// Output: EM 50.0, F1 83.3
}

func ExampleBLEUAccumulator() {
	acc := metrics.NewBLEUAccumulator(metrics.BLEU{})
	// Add batches as they come, from any goroutine.
	_ = acc.Add([]string{"The dog bit the man."}, [][]string{{"The dog bit the man."}})
	_ = acc.Add([]string{"It wasn't surprising."}, [][]string{{"It was not unexpected."}})
	fmt.Printf("%.2f\n", acc.Score().Score)
	// Output: 63.98
}
