//go:build long

package word2vec

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/wordvec"
)

// TestQualityOnTheFullCorpus trains skip-gram and CBOW on the corpus named
// by GOFORMER_EMBED_CORPUS (benchmarks/reference/embeddings_corpus.py
// builds the 10.6 MB State of the Union text) with the settings of
// benchmarks/reference/embeddings_compare.py, averages three seeds, and
// checks that analogy accuracy and Spearman correlation on embed/sotu's
// files are within 2 points of the better of fastText 0.9.2 and gensim 4.2.0
// on the same corpus and settings (their means over seeds 1-3, measured by
// that script and listed in benchmarks/results/embeddings.md).
//
//	GOFORMER_EMBED_CORPUS=/path/sotu.txt go test -tags long -run Quality -v -timeout 30m ./embed/word2vec
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
	cases := []struct {
		arch Arch
		lr   float64
		// The better reference: mean accuracy in %, mean Spearman.
		refAcc, refRho float64
	}{
		{SkipGram, 0.025, refSkipGramAcc, refSkipGramRho},
		{CBOW, 0.05, refCBOWAcc, refCBOWRho},
	}
	for _, c := range cases {
		t.Run(c.arch.String(), func(t *testing.T) {
			var acc, rho float64
			for seed := uint64(1); seed <= 3; seed++ {
				opt := DefaultOptions()
				opt.Arch, opt.LR, opt.Sample, opt.Seed, opt.Threads = c.arch, c.lr, 1e-4, seed, 2
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
				t.Logf("seed %d: analogy %.2f%% (%d/%d), Spearman %.4f, %.0f words/s", seed, 100*a.Accuracy(), a.Correct, a.Total, s.Spearman, float64(m.Words)/m.Elapsed.Seconds())
				acc += 100 * a.Accuracy() / 3
				rho += s.Spearman / 3
			}
			t.Logf("mean: analogy %.2f%%, Spearman %.4f; references %.2f%%, %.4f", acc, rho, c.refAcc, c.refRho)
			if acc < c.refAcc-2 {
				t.Errorf("analogy accuracy %.2f%% is more than 2 points below the references' %.2f%%", acc, c.refAcc)
			}
			if rho < c.refRho-0.02 {
				t.Errorf("Spearman %.4f is more than 2 points below the references' %.4f", rho, c.refRho)
			}
		})
	}
}
