package unigram

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

func smallConfig(t testing.TB) TrainerConfig {
	t.Helper()
	ref := loadTestModel(t, "sotu_small_1k")
	cfg := TrainerConfig{Trainer: DefaultTrainerSpec(), Normalizer: ref.Proto().Normalizer}
	cfg.Trainer.VocabSize = 300
	return cfg
}

func TestTrainRejectsBadInput(t *testing.T) {
	corpus := "The people of the United States.\nThe Congress shall assemble.\n"
	tests := []struct {
		name   string
		corpus string
		change func(*TrainerConfig)
	}{
		{"an empty corpus", "", nil},
		{"a corpus of empty lines", "\n\n\n", nil},
		{"a vocabulary smaller than the alphabet", corpus, func(c *TrainerConfig) { c.Trainer.VocabSize = 10 }},
		{"a character coverage out of range", corpus, func(c *TrainerConfig) { c.Trainer.CharacterCoverage = 0.5 }},
		{"a shrinking factor out of range", corpus, func(c *TrainerConfig) { c.Trainer.ShrinkingFactor = 0.99 }},
		{"a BPE model type", corpus, func(c *TrainerConfig) { c.Trainer.ModelType = ModelBPE }},
		{"no unknown piece", corpus, func(c *TrainerConfig) { c.Trainer.UnkID = -1 }},
		{"two meta pieces at one id", corpus, func(c *TrainerConfig) { c.Trainer.BosID = 0 }},
		{"a duplicate user-defined symbol", corpus, func(c *TrainerConfig) { c.Trainer.UserDefinedSymbols = []string{"x", "x"} }},
		{"unescaped whitespace", corpus, func(c *TrainerConfig) { c.Normalizer.EscapeWhitespaces = false }},
		{"a bad tsv line", "word 3\n", func(c *TrainerConfig) { c.Trainer.InputFormat = "tsv" }},
		{"an unreachable hard vocabulary limit", corpus, func(c *TrainerConfig) { c.Trainer.VocabSize = 5000 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig(t)
			if tc.change != nil {
				tc.change(&cfg)
			}
			if _, err := Train(strings.NewReader(tc.corpus), cfg); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestTrainOptions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sotu_small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("meta pieces, user-defined symbols and byte fallback get their ids", func(t *testing.T) {
		cfg := smallConfig(t)
		cfg.Trainer.VocabSize = 600
		cfg.Trainer.ByteFallback = true
		cfg.Trainer.PadID = 3
		cfg.Trainer.ControlSymbols = []string{"<cls>"}
		cfg.Trainer.UserDefinedSymbols = []string{"<sep>"}
		m, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id    int
			piece string
			typ   PieceType
		}{{0, "<unk>", Unknown}, {1, "<s>", Control}, {2, "</s>", Control}, {3, "<pad>", Control},
			{4, "<cls>", Control}, {5, "<sep>", UserDefined}, {6, "<0x00>", Byte}, {261, "<0xFF>", Byte}}
		for _, w := range want {
			if m.IDToPiece(w.id) != w.piece || m.Type(w.id) != w.typ {
				t.Errorf("id %d = %q %v, want %q %v", w.id, m.IDToPiece(w.id), m.Type(w.id), w.piece, w.typ)
			}
		}
		if got := m.EncodePieces("a<sep>b"); !slices.Contains(got, "<sep>") {
			t.Errorf("user-defined symbol not kept whole: %q", got)
		}
		ids := m.EncodeIDs("日本")
		if len(ids) == 0 || m.Type(ids[len(ids)-1]) != Byte {
			t.Errorf("unknown characters should fall back to bytes: %v", ids)
		}
	})
	t.Run("the result does not depend on the number of goroutines", func(t *testing.T) {
		cfg := smallConfig(t)
		cfg.Workers = 1
		a, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Workers = 7
		b, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Proto().Marshal(), b.Proto().Marshal()) {
			t.Fatal("models differ")
		}
	})
	t.Run("tsv input counts each line by its frequency", func(t *testing.T) {
		cfg := smallConfig(t)
		cfg.Trainer.VocabSize = 40
		cfg.Trainer.HardVocabLimit = false
		cfg.Trainer.InputFormat = "tsv"
		m, err := Train(strings.NewReader("hello world\t50\nhelp\t3\nworld peace\t20\n"), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if m.PieceToID("▁world") == m.UnkID() {
			t.Errorf("frequent word missing: %q", m.Vocab())
		}
		if m.VocabSize() >= 40 || int(m.Proto().Trainer.VocabSize) != m.VocabSize() {
			t.Errorf("a soft vocabulary limit should shrink to %d pieces, says %d", m.VocabSize(), m.Proto().Trainer.VocabSize)
		}
	})
	t.Run("input sentence size samples with a seed", func(t *testing.T) {
		cfg := smallConfig(t)
		cfg.Trainer.InputSentenceSize = 500
		cfg.Seed = 42
		a, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Proto().Marshal(), b.Proto().Marshal()) {
			t.Fatal("same seed, different models")
		}
	})
	t.Run("a trained model saves and loads", func(t *testing.T) {
		cfg := smallConfig(t)
		m, err := Train(bytes.NewReader(data), cfg)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.model")
		if err := m.SaveFile(path); err != nil {
			t.Fatal(err)
		}
		m2, err := LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := "The Congress of the United States"
		if !slices.Equal(m.EncodeIDs(s), m2.EncodeIDs(s)) {
			t.Fatal("reloaded model encodes differently")
		}
	})
}

func TestTrainReportsProgressWithoutChangingTheModel(t *testing.T) {
	ref := loadTestModel(t, "sotu_small_1k")
	f, err := os.Open(filepath.Join("testdata", "sotu_small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	cfg := TrainerConfig{Trainer: ref.Proto().Trainer, Normalizer: ref.Proto().Normalizer, Progress: &out}
	m, err := Train(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"read sentences 100%", "unigram 100%", "EM steps"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress has no %q:\n%s", want, out.String())
		}
	}
	if m.VocabSize() != ref.VocabSize() || m.IDToPiece(m.VocabSize()-1) != ref.IDToPiece(ref.VocabSize()-1) {
		t.Errorf("with progress the model differs from sentencepiece's")
	}
}
