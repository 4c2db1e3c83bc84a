package tokenize

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/tokenize/unigram"
)

// The SentencePiece fixtures of package unigram: models trained by Debian's
// python3-sentencepiece 0.1.97 (and ALBERT's 30k-clean.model) with the ids,
// character offsets and decodings sentencepiece gives for a set of texts.
func TestFromSentencePieceEncodesLikeSentencePiece(t *testing.T) {
	dir := filepath.Join("unigram", "testdata")
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]struct {
		Encode []struct {
			Text       string `json:"text"`
			IDs        []int  `json:"ids"`
			Begin, End []int
			Decoded    string `json:"decoded"`
		} `json:"encode"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx) < 4 {
		t.Fatalf("%d models in the fixture", len(fx))
	}
	for name, cases := range fx {
		t.Run(name, func(t *testing.T) {
			m, err := unigram.LoadFile(filepath.Join(dir, name+".model"))
			if err != nil {
				t.Fatal(err)
			}
			tok := FromSentencePiece(m)
			for _, c := range cases.Encode {
				e, err := tok.Encode(c.Text)
				if err != nil {
					t.Fatal(err)
				}
				ids, err := tok.EncodeIDs(c.Text)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(e.IDs, c.IDs) || !equalInts(ids, c.IDs) {
					t.Errorf("%q: ids %v / %v, want %v", c.Text, e.IDs, ids, c.IDs)
					continue
				}
				for i, o := range e.RuneOffsets() {
					if o.Start != c.Begin[i] || o.End != c.End[i] {
						t.Errorf("%q token %d: offsets %v, want [%d %d]", c.Text, i, o, c.Begin[i], c.End[i])
						break
					}
				}
				dec, err := tok.Decode(e.IDs, false)
				if err != nil {
					t.Fatal(err)
				}
				if dec != c.Decoded {
					t.Errorf("%q: decoded %q, want %q", c.Text, dec, c.Decoded)
				}
			}
		})
	}
}

func TestSentencePiecePipelineRefusesToWriteTokenizerJSON(t *testing.T) {
	m, err := unigram.LoadFile(filepath.Join("unigram", "testdata", "sotu_small_1k.model"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromSentencePiece(m).MarshalJSON(); err == nil {
		t.Error("MarshalJSON succeeded")
	}
	hf, err := NewUnigramTokenizer(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hf.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	text := "The Congress shall have power to lay and collect taxes."
	a, _ := hf.EncodeIDs(text)
	c, _ := back.EncodeIDs(text)
	want := m.EncodeIDs(text)
	if !equalInts(a, c) || !equalInts(a, want) {
		t.Errorf("converted pipeline %v, reloaded %v, sentencepiece %v", a, c, want)
	}
}

// TestFromSentencePieceFileLoadsBPEModels checks the pipeline around the BPE
// models of package unigram against sentencepiece (generate_bpe.py).
func TestFromSentencePieceFileLoadsBPEModels(t *testing.T) {
	dir := filepath.Join("unigram", "testdata")
	var fx map[string][]struct {
		Text    string `json:"text"`
		IDs     []int  `json:"ids"`
		Decoded string `json:"decoded"`
	}
	if err := json.Unmarshal(readGz(t, filepath.Join(dir, "expected_bpe.json.gz")), &fx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sotu_bpe_1k", "sotu_bpe_bytefb"} {
		tok, err := FromSentencePieceFile(filepath.Join(dir, name+".model"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range fx[name] {
			e, err := tok.Encode(c.Text)
			if err != nil || !equalInts(e.IDs, c.IDs) {
				t.Errorf("%s %.60q: %v %v, want %v", name, c.Text, err, e, c.IDs)
				continue
			}
			if ids, _ := tok.EncodeIDs(c.Text); !equalInts(ids, c.IDs) {
				t.Errorf("%s EncodeIDs %.60q: %v, want %v", name, c.Text, ids, c.IDs)
			}
			if s, err := tok.Decode(c.IDs, false); err != nil || s != c.Decoded {
				t.Errorf("%s Decode: %q %v, want %q", name, s, err, c.Decoded)
			}
		}
		m, _ := unigram.LoadFile(filepath.Join(dir, name+".model"))
		if _, err := NewUnigramTokenizer(m); err == nil {
			t.Errorf("NewUnigramTokenizer accepted the BPE model %s", name)
		}
	}
	if _, err := FromSentencePieceFile(filepath.Join(dir, "missing.model")); err == nil || strings.Count(err.Error(), "missing.model") != 1 {
		t.Errorf("a missing file: %v", err)
	}
}
