package unigram

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// fixture is what generate.py recorded from sentencepiece 0.1.97 for one
// model.
type fixture struct {
	Encode []struct {
		Text    string   `json:"text"`
		IDs     []int    `json:"ids"`
		Pieces  []string `json:"pieces"`
		Begin   []int    `json:"begin"`
		End     []int    `json:"end"`
		Decoded string   `json:"decoded"`
	} `json:"encode"`
	NBest []struct {
		Text  string  `json:"text"`
		NBest [][]int `json:"nbest"`
	} `json:"nbest"`
}

var fixtureModels = []string{
	"sotu_nfkc_4k", "sotu_bytefb_2k", "sotu_nfkc_cf_3k", "sotu_identity_2k",
	"sotu_small_1k", "albert_30k_clean",
}

var loadFixtures = sync.OnceValues(func() (map[string]fixture, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		return nil, err
	}
	var f map[string]fixture
	err = json.Unmarshal(b, &f)
	return f, err
})

func fixtures(t testing.TB) map[string]fixture {
	t.Helper()
	f, err := loadFixtures()
	if err != nil {
		t.Fatalf("load fixtures: %v", err)
	}
	return f
}

var modelCache sync.Map

func loadTestModel(t testing.TB, name string) *Model {
	t.Helper()
	if m, ok := modelCache.Load(name); ok {
		return m.(*Model)
	}
	m, err := LoadFile(filepath.Join("testdata", name+".model"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	modelCache.Store(name, m)
	return m
}

func TestEncodeMatchesSentencePiece(t *testing.T) {
	fx := fixtures(t)
	for _, name := range fixtureModels {
		t.Run(name, func(t *testing.T) {
			m := loadTestModel(t, name)
			f := fx[name]
			if len(f.Encode) == 0 {
				t.Fatal("no fixture cases")
			}
			mismatches := 0
			for _, c := range f.Encode {
				// Python reports offsets in characters; Encode in bytes.
				c.Begin, c.End = runeToByteOffsets(c.Text, c.Begin), runeToByteOffsets(c.Text, c.End)
				got := m.Encode(c.Text)
				var ids, begin, end []int
				var pieces []string
				for _, p := range got {
					ids = append(ids, p.ID)
					pieces = append(pieces, p.Piece)
					begin = append(begin, p.Start)
					end = append(end, p.End)
				}
				if !slices.Equal(ids, c.IDs) || !slices.Equal(pieces, c.Pieces) ||
					!slices.Equal(begin, c.Begin) || !slices.Equal(end, c.End) {
					mismatches++
					if mismatches <= 5 {
						t.Errorf("Encode(%q):\n got ids %v pieces %q offsets %v %v\nwant ids %v pieces %q offsets %v %v",
							c.Text, ids, pieces, begin, end, c.IDs, c.Pieces, c.Begin, c.End)
					}
				}
				if gotIDs := m.EncodeIDs(c.Text); !slices.Equal(gotIDs, c.IDs) {
					t.Errorf("EncodeIDs(%q) = %v, want %v", c.Text, gotIDs, c.IDs)
				}
				dec, err := m.Decode(c.IDs)
				if err != nil {
					t.Errorf("Decode(%v): %v", c.IDs, err)
				} else if dec != c.Decoded {
					mismatches++
					t.Errorf("Decode(%v) = %q, want %q", c.IDs, dec, c.Decoded)
				}
			}
			if mismatches > 0 {
				t.Errorf("%d mismatches in %d cases", mismatches, len(f.Encode))
			}
		})
	}
}

// runeToByteOffsets converts character offsets into s to byte offsets.
func runeToByteOffsets(s string, offs []int) []int {
	idx := make([]int, 0, len(s)+1)
	for i := range s {
		idx = append(idx, i)
	}
	idx = append(idx, len(s))
	out := make([]int, len(offs))
	for i, o := range offs {
		out[i] = idx[o]
	}
	return out
}

func TestNBestMatchesSentencePiece(t *testing.T) {
	fx := fixtures(t)
	for _, name := range fixtureModels {
		t.Run(name, func(t *testing.T) {
			m := loadTestModel(t, name)
			cases := fx[name].NBest
			if len(cases) == 0 {
				t.Fatal("no fixture cases")
			}
			for _, c := range cases {
				got := m.NBestIDs(c.Text, 10)
				if len(c.NBest) == 0 {
					c.NBest = [][]int{nil}
				}
				if len(got) != len(c.NBest) {
					t.Errorf("NBest(%q): %d results, want %d", c.Text, len(got), len(c.NBest))
					continue
				}
				for i := range got {
					if !slices.Equal(got[i], c.NBest[i]) {
						t.Errorf("NBest(%q)[%d] = %v, want %v", c.Text, i, got[i], c.NBest[i])
					}
				}
			}
		})
	}
}
