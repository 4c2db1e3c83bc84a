//go:build long

package fasttext

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/wordvec"
)

// TestQualityOnTheFullCorpus trains subword skip-gram on the corpus named by
// GOFORMER_EMBED_CORPUS (benchmarks/reference/embeddings_corpus.py builds
// the 10.6 MB State of the Union text) with the settings of
// benchmarks/reference/embeddings_compare.py, averages three seeds, and
// checks that analogy accuracy and Spearman correlation on embed/sotu's
// files are within 2 points of the better of fastText 0.9.2 and gensim
// 4.2.0 (means over seeds 1-3, in refs_long_test.go and
// benchmarks/results/embeddings.md).
//
//	GOFORMER_EMBED_CORPUS=/path/sotu.txt go test -tags long -run Quality -v -timeout 60m ./embed/fasttext
func TestQualityOnTheFullCorpus(t *testing.T) {
	path := os.Getenv("GOFORMER_EMBED_CORPUS")
	if path == "" {
		t.Skip("set GOFORMER_EMBED_CORPUS to the State of the Union corpus")
	}
	text, err := corpus.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer text.Close()
	var acc, rho float64
	for seed := uint64(1); seed <= 3; seed++ {
		opt := DefaultOptions()
		opt.Seed, opt.Threads = seed, 2
		m, err := Train(context.Background(), text, opt)
		if err != nil {
			t.Fatal(err)
		}
		tab := m.Vectors()
		a, err := wordvec.EvalAnalogies(tab, strings.NewReader(sotu.Analogies), wordvec.EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := wordvec.EvalSimilarity(tab, strings.NewReader(sotu.Similarity), wordvec.EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st := m.Stats()
		t.Logf("seed %d: analogy %.2f%% (%d/%d), Spearman %.4f, %.0f words/s", seed, 100*a.Accuracy(), a.Correct, a.Total, s.Spearman, float64(st.Words)/st.Elapsed.Seconds())
		acc += 100 * a.Accuracy() / 3
		rho += s.Spearman / 3
	}
	t.Logf("mean: analogy %.2f%%, Spearman %.4f; references %.2f%%, %.4f", acc, rho, refSkipGramAcc, refSkipGramRho)
	if acc < refSkipGramAcc-2 {
		t.Errorf("analogy accuracy %.2f%% is more than 2 points below the references' %.2f%%", acc, refSkipGramAcc)
	}
	if rho < refSkipGramRho-0.02 {
		t.Errorf("Spearman %.4f is more than 2 points below the references' %.4f", rho, refSkipGramRho)
	}
}
