package unigram

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentUse encodes, decodes, samples and searches n-best lists
// from many goroutines on one model; run with -race.
func TestConcurrentUse(t *testing.T) {
	m := loadTestModel(t, "sotu_bytefb_2k")
	texts := []string{"Hello world", "東京 🌍", "The Congress shall assemble 123", "  spaces  ", ""}
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = m.EncodeIDs(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 200 {
				k := (i + g) % len(texts)
				if got := m.EncodeIDs(texts[k]); !slices.Equal(got, want[k]) {
					t.Errorf("EncodeIDs(%q) = %v, want %v", texts[k], got, want[k])
					return
				}
				m.Encode(texts[k])
				m.NBest(texts[k], 3)
				m.Sample(texts[k], 0.1, -1, rng)
				if _, err := m.Decode(want[k]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestEncodeNormalizedSkipsTheNormalizer(t *testing.T) {
	m := loadTestModel(t, "sotu_nfkc_4k")
	norm := m.Normalizer().NormalizeString("The Congress shall assemble.")
	got := m.EncodeNormalized(norm)
	want := m.EncodeIDs("The Congress shall assemble.")
	if len(got) != len(want) {
		t.Fatalf("%d pieces, want %d", len(got), len(want))
	}
	end := 0
	for i, p := range got {
		if p.ID != want[i] || p.Start != end || norm[p.Start:p.End] != p.Piece {
			t.Fatalf("piece %d = %+v", i, p)
		}
		end = p.End
	}
	if end != len(norm) {
		t.Fatalf("pieces end at %d of %d", end, len(norm))
	}
}
