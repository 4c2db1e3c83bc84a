package unigram

import (
	"os"
	"path/filepath"
	"testing"
)

// trainLike trains on corpus with the trainer and normalizer settings
// stored in the reference model.
func trainLike(t testing.TB, ref *Model, corpus string) *Model {
	t.Helper()
	f, err := os.Open(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg := TrainerConfig{Trainer: ref.Proto().Trainer, Normalizer: ref.Proto().Normalizer}
	m, err := Train(f, cfg)
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return m
}

func TestTrainMatchesSentencePieceOnSmallCorpus(t *testing.T) {
	ref := loadTestModel(t, "sotu_small_1k")
	m := trainLike(t, ref, filepath.Join("testdata", "sotu_small.txt"))
	if m.VocabSize() != ref.VocabSize() {
		t.Fatalf("vocab size %d, want %d", m.VocabSize(), ref.VocabSize())
	}
	scoreDiffs := 0
	for id := 0; id < ref.VocabSize(); id++ {
		if m.IDToPiece(id) != ref.IDToPiece(id) || m.Type(id) != ref.Type(id) {
			t.Fatalf("id %d: piece %q (%v), sentencepiece has %q (%v)", id, m.IDToPiece(id), m.Type(id), ref.IDToPiece(id), ref.Type(id))
		}
		if m.Score(id) != ref.Score(id) {
			scoreDiffs++
			t.Errorf("id %d %q: score %v, sentencepiece %v", id, m.IDToPiece(id), m.Score(id), ref.Score(id))
		}
	}
	if scoreDiffs == 0 {
		t.Logf("all %d pieces, ids and scores identical to sentencepiece's", ref.VocabSize())
	}
}
