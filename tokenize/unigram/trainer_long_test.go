//go:build long

package unigram

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func init() {
	longRuleSets = append(longRuleSets, struct{ rules, model string }{RulesNmtNFKCCF, "sotu_nfkc_cf_3k"})
}

// The full SOTU training corpus (55,879 sentences, 9.6 MB) is written by
// testdata/generate.py to .scratch/unigram/sotu_train.txt (with the held-out
// sentences beside it); these tests skip without it.
var (
	longTrainCorpus   = filepath.Join("..", "..", ".scratch", "unigram", "sotu_train.txt")
	longHeldOutCorpus = filepath.Join("..", "..", ".scratch", "unigram", "sotu_heldout.txt")
)

// TestTrainMatchesSentencePieceOnFullCorpus trains with the settings of
// each fixture model on the corpus sentencepiece trained it on, and
// compares vocabularies, ids and scores; where they differ it reports the
// overlap and the encoded length and likelihood of held-out text.
func TestTrainMatchesSentencePieceOnFullCorpus(t *testing.T) {
	if _, err := os.Stat(longTrainCorpus); err != nil {
		t.Skipf("no corpus (%v): run testdata/generate.py", err)
	}
	for _, name := range []string{"sotu_nfkc_4k", "sotu_bytefb_2k", "sotu_nfkc_cf_3k", "sotu_identity_2k"} {
		t.Run(name, func(t *testing.T) {
			ref := loadTestModel(t, name)
			start := time.Now()
			m := trainLike(t, ref, longTrainCorpus)
			t.Logf("trained in %v", time.Since(start))
			samePiece, sameID, sameScore := 0, 0, 0
			for id := 0; id < ref.VocabSize(); id++ {
				p := ref.IDToPiece(id)
				if id2 := m.PieceToID(p); m.IDToPiece(id2) == p {
					samePiece++
					if id2 == id {
						sameID++
						if m.Score(id) == ref.Score(id) {
							sameScore++
						}
					}
				}
			}
			t.Logf("pieces shared %d/%d, same id %d, same score %d", samePiece, ref.VocabSize(), sameID, sameScore)
			if sameScore != ref.VocabSize() {
				t.Errorf("vocabulary differs from sentencepiece's")
				reportHeldOut(t, m, ref)
			}
		})
	}
}

func reportHeldOut(t *testing.T, m, ref *Model) {
	f, err := os.Open(longHeldOutCorpus)
	if err != nil {
		t.Logf("no held-out text: %v", err)
		return
	}
	defer f.Close()
	var nm, nr int
	var lm, lr float64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		for _, id := range m.EncodeIDs(sc.Text()) {
			nm++
			lm += float64(m.Score(id))
		}
		for _, id := range ref.EncodeIDs(sc.Text()) {
			nr++
			lr += float64(ref.Score(id))
		}
	}
	t.Logf("held-out: %d tokens (sentencepiece %d), score sum %.1f (sentencepiece %.1f)", nm, nr, lm, lr)
}

// TestTrain20MatchesSentencePiece compares with the 8k models that
// benchmarks/reference/unigram_train.py trains on the 20 MB corpus with 16
// and 2 threads.
func TestTrain20MatchesSentencePiece(t *testing.T) {
	corpus := filepath.Join("..", "..", ".scratch", "unigram", "train20.txt")
	for _, threads := range []string{"16", "2"} {
		t.Run("threads"+threads, func(t *testing.T) {
			refPath := filepath.Join("..", "..", ".scratch", "unigram", "ref8k_t"+threads+".model")
			ref, err := LoadFile(refPath)
			if err != nil {
				t.Skipf("no reference model (%v): run benchmarks/reference/unigram_train.py %s", err, threads)
			}
			start := time.Now()
			m := trainLike(t, ref, corpus)
			t.Logf("trained in %v", time.Since(start))
			same := 0
			for id := 0; id < ref.VocabSize(); id++ {
				if m.IDToPiece(id) == ref.IDToPiece(id) && m.Score(id) == ref.Score(id) {
					same++
				}
			}
			t.Logf("same piece and score at %d of %d ids", same, ref.VocabSize())
			if same != ref.VocabSize() {
				t.Errorf("vocabulary differs from sentencepiece's")
			}
		})
	}
}
