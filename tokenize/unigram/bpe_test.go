package unigram

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// bpeRow is what generate_bpe.py recorded from sentencepiece 0.1.97.
type bpeRow struct {
	Text    string   `json:"text"`
	IDs     []int    `json:"ids"`
	Pieces  []string `json:"pieces"`
	Begin   []int    `json:"begin"`
	End     []int    `json:"end"`
	Decoded string   `json:"decoded"`
}

func TestBPEModelsEncodeAsSentencePiece(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "expected_bpe.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string][]bpeRow
	if err := json.NewDecoder(zr).Decode(&fx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sotu_bpe_1k", "sotu_bpe_bytefb", "sotu_bpe_unused"} {
		t.Run(name, func(t *testing.T) {
			m := loadTestModel(t, name)
			if m.ModelType() != ModelBPE {
				t.Fatalf("model type %v", m.ModelType())
			}
			rows := fx[name]
			if len(rows) < 100 {
				t.Fatalf("%d rows", len(rows))
			}
			bad := 0
			for _, c := range rows {
				c.Begin, c.End = runeToByteOffsets(c.Text, c.Begin), runeToByteOffsets(c.Text, c.End)
				var ids, begin, end []int
				var pieces []string
				for _, p := range m.Encode(c.Text) {
					ids = append(ids, p.ID)
					pieces = append(pieces, p.Piece)
					begin = append(begin, p.Start)
					end = append(end, p.End)
				}
				if !slices.Equal(ids, c.IDs) || !slices.Equal(pieces, c.Pieces) ||
					!slices.Equal(begin, c.Begin) || !slices.Equal(end, c.End) {
					bad++
					if bad <= 5 {
						t.Errorf("Encode(%.80q):\n got ids %v pieces %q offsets %v %v\nwant ids %v pieces %q offsets %v %v",
							c.Text, ids, pieces, begin, end, c.IDs, c.Pieces, c.Begin, c.End)
					}
				}
				if got := m.EncodeIDs(c.Text); !slices.Equal(got, c.IDs) {
					bad++
					t.Errorf("EncodeIDs(%.80q) = %v, want %v", c.Text, got, c.IDs)
				}
				if dec, err := m.Decode(c.IDs); err != nil || dec != c.Decoded {
					bad++
					t.Errorf("Decode(%v) = %q, %v; want %q", c.IDs, dec, err, c.Decoded)
				}
			}
			if bad > 0 {
				t.Errorf("%d mismatches in %d cases", bad, len(rows))
			}
		})
	}
}

func TestBPEModelsReadTheirPieceTypes(t *testing.T) {
	m := loadTestModel(t, "sotu_bpe_unused")
	id := m.PieceToID("▁the")
	if m.Type(id) != Unused {
		t.Fatalf("▁the has type %v", m.Type(id))
	}
	// An unused piece is never produced: sentencepiece splits it back into
	// the pieces it was merged from.
	for _, p := range m.Encode("the theory of the nation") {
		if m.Type(p.ID) == Unused {
			t.Errorf("unused piece %q in the encoding", p.Piece)
		}
	}
	// Word and char models are still refused.
	p := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a"}}}
	p.Trainer.ModelType = ModelWord
	if _, err := NewModel(p); !errors.Is(err, ErrNotUnigram) {
		t.Errorf("a word model: %v", err)
	}
}
