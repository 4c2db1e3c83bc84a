package unigram

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestModelFilesRoundTripByteForByte(t *testing.T) {
	for _, name := range fixtureModels {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name+".model"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := UnmarshalModel(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Marshal(); !bytes.Equal(got, b) {
				t.Fatalf("Marshal differs from the file: %d bytes, want %d", len(got), len(b))
			}
			m := loadTestModel(t, name)
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), b) {
				t.Fatal("Save differs from the file")
			}
		})
	}
}

func TestUnknownFieldsSurviveRoundTrip(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "sotu_small_1k.model"))
	if err != nil {
		t.Fatal(err)
	}
	// Field 200 (an extension) with a string, then the same in a piece.
	extra := []byte{0xc2, 0x0c, 3, 'a', 'b', 'c'}
	withExtra := append(slices.Clone(b), extra...)
	p, err := UnmarshalModel(withExtra)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Marshal(); !bytes.Equal(got, withExtra) {
		t.Fatal("an unknown top-level field was not kept")
	}
	p.Trainer.VocabSize = 1234
	q, err := UnmarshalModel(p.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if q.Trainer.VocabSize != 1234 {
		t.Fatalf("vocab size %d after a change and a round trip", q.Trainer.VocabSize)
	}
}

func TestCorruptModelsGiveClearErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "sotu_small_1k.model"))
	if err != nil {
		t.Fatal(err)
	}
	noUnk := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "a", Score: -1}}}
	dup := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a"}, {Piece: "a"}}}
	bytePieceNoFallback := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "<0x41>", Type: Byte}, {Piece: "a"}}}
	fallbackMissingBytes := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a"}}}
	fallbackMissingBytes.Trainer.ByteFallback = true
	word := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a"}}}
	word.Trainer.ModelType = ModelWord
	badMap := &ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a"}}}
	badMap.Normalizer.PrecompiledCharsmap = []byte{0xff, 0xff, 0xff, 0x7f, 1, 2}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"an empty file", nil, ErrCorruptModel},
		{"a truncated file", good[:len(good)/2], ErrCorruptModel},
		{"random bytes", []byte("this is not a protobuf \xff\xff\xff\xff"), ErrCorruptModel},
		{"a model without unk", noUnk.Marshal(), ErrCorruptModel},
		{"a model with a duplicate piece", dup.Marshal(), ErrCorruptModel},
		{"a byte piece without byte fallback", bytePieceNoFallback.Marshal(), ErrCorruptModel},
		{"byte fallback without the byte pieces", fallbackMissingBytes.Marshal(), ErrCorruptModel},
		{"a word model", word.Marshal(), ErrNotUnigram},
		{"a broken charsmap", badMap.Marshal(), ErrCorruptModel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("LoadBytes: error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.model")); err == nil || !strings.Contains(err.Error(), "missing.model") {
		t.Fatalf("LoadFile of a missing file: %v", err)
	}
}

func TestVocabularyAccessors(t *testing.T) {
	m := loadTestModel(t, "sotu_bytefb_2k")
	if m.VocabSize() != 2000 {
		t.Fatalf("VocabSize = %d", m.VocabSize())
	}
	if m.UnkID() != 0 || m.BosID() != 1 || m.EosID() != 2 || m.PadID() != 3 {
		t.Fatalf("unk/bos/eos/pad = %d %d %d %d", m.UnkID(), m.BosID(), m.EosID(), m.PadID())
	}
	for id, p := range m.Vocab() {
		if m.PieceToID(p) != id || m.IDToPiece(id) != p {
			t.Fatalf("piece %q id %d does not round-trip", p, id)
		}
	}
	if m.PieceToID("no such piece") != m.UnkID() {
		t.Fatal("an unknown piece should map to the unknown id")
	}
	if m.IDToPiece(-1) != "" || m.IDToPiece(2000) != "" || m.Score(5000) != 0 || m.Type(-3) != 0 {
		t.Fatal("out-of-range ids should give zero values")
	}
	if m.Type(m.PieceToID("<0x41>")) != Byte || m.Type(m.PieceToID("<sep>")) != UserDefined ||
		m.Type(m.PieceToID("<cls>")) != Control {
		t.Fatal("wrong piece types")
	}
	if !m.ByteFallback() {
		t.Fatal("ByteFallback = false")
	}
	if _, err := m.Decode([]int{5, 2000}); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("Decode of an invalid id: %v", err)
	}
	if m.PadID() < 0 || loadTestModel(t, "sotu_nfkc_4k").PadID() != -1 {
		t.Fatal("PadID should be -1 for a model without <pad>")
	}
}

func TestEncodeEdgeCases(t *testing.T) {
	m := loadTestModel(t, "sotu_nfkc_4k")
	tests := []struct {
		name, text string
	}{
		{"empty input", ""},
		{"only spaces", "     "},
		{"invalid UTF-8", "abc\xff\xfe def \xc3"},
		{"a NUL byte", "a\x00b"},
		{"a huge input", strings.Repeat("The Congress shall make no law. ", 20000)},
		{"a long run of one letter", strings.Repeat("z", 100000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := m.Encode(tc.text)
			prev := 0
			for _, p := range ps {
				if p.Start < prev || p.End < p.Start || p.End > len(tc.text) {
					t.Fatalf("bad offsets %d..%d after %d", p.Start, p.End, prev)
				}
				prev = p.Start
			}
			if strings.TrimSpace(tc.text) == "" && len(ps) != 0 {
				t.Fatalf("Encode(%q) = %v, want nothing", tc.text, ps)
			}
			ids := m.EncodeIDs(tc.text)
			if len(ids) != len(ps) {
				t.Fatalf("EncodeIDs gives %d ids, Encode %d pieces", len(ids), len(ps))
			}
			if _, err := m.Decode(ids); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeRoundTripsNormalizedText(t *testing.T) {
	m := loadTestModel(t, "sotu_bytefb_2k")
	for _, s := range []string{
		"Hello world", "東京 🌍 emoji", "numbers 12345", "a  b   c", "<sep> user [MASK]",
	} {
		got, err := m.Decode(m.EncodeIDs(s))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join(strings.Fields(m.Normalizer().NormalizeString(s)), " ")
		want = strings.TrimPrefix(strings.ReplaceAll(want, spaceSymbol, " "), " ")
		if got != want {
			t.Errorf("Decode(Encode(%q)) = %q, want %q", s, got, want)
		}
	}
	// Invalid byte sequences decode to U+FFFD.
	bad := []int{m.PieceToID("<0xE3>"), m.PieceToID("<0x81>"), m.PieceToID("<0x41>")}
	got, _ := m.Decode(bad)
	if got != "\uFFFD\uFFFDA" {
		t.Errorf("Decode of broken bytes = %q", got)
	}
}

func TestNBestIsSortedAndDistinct(t *testing.T) {
	m := loadTestModel(t, "sotu_nfkc_4k")
	nb := m.NBest("unbelievable nonsense", 50)
	if len(nb) != 50 {
		t.Fatalf("%d results", len(nb))
	}
	seen := map[string]bool{}
	for i, s := range nb {
		if i > 0 && s.Score > nb[i-1].Score {
			t.Fatalf("result %d scores %v > %v", i, s.Score, nb[i-1].Score)
		}
		key := fmtIDs(s.IDs())
		if seen[key] {
			t.Fatalf("result %d repeats %v", i, s.IDs())
		}
		seen[key] = true
	}
	if got := m.NBest("", 5); len(got) != 1 || len(got[0].Pieces) != 0 {
		t.Fatalf("NBest of empty text = %v", got)
	}
	// A long input exercises the agenda shrinking without blowing up.
	long := strings.Repeat("abababababab ", 40)
	if got := m.NBest(long, 20); len(got) != 20 {
		t.Fatalf("NBest of a long text gave %d results", len(got))
	}
}

func fmtIDs(ids []int) string { return fmt.Sprint(ids) }

func TestSampleIsDeterministicForASeed(t *testing.T) {
	m := loadTestModel(t, "sotu_nfkc_4k")
	text := "The unbelievable government of the people"
	for _, nbest := range []int{-1, 10} {
		a := m.SampleIDs(text, 0.1, nbest, rand.New(rand.NewPCG(7, 8)))
		b := m.SampleIDs(text, 0.1, nbest, rand.New(rand.NewPCG(7, 8)))
		if !slices.Equal(a, b) {
			t.Fatalf("nbest %d: same seed gave %v and %v", nbest, a, b)
		}
	}
	if got, want := m.SampleIDs(text, 0.1, 1, rand.New(rand.NewPCG(1, 1))), m.EncodeIDs(text); !slices.Equal(got, want) {
		t.Fatalf("nbest 1 should be Encode: %v vs %v", got, want)
	}
}

// TestSampleFollowsTheModelDistribution checks forward-filtering
// backward-sampling against exact path probabilities from n-best scores.
func TestSampleFollowsTheModelDistribution(t *testing.T) {
	m := loadTestModel(t, "sotu_nfkc_4k")
	text := "nation"
	const alpha = 0.5
	all := m.NBest(text, 1024)
	var z float64
	prob := map[string]float64{}
	for _, s := range all {
		w := math.Exp(alpha * float64(s.Score))
		prob[fmtIDs(s.IDs())] = w
		z += w
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const draws = 20000
	counts := map[string]int{}
	for range draws {
		counts[fmtIDs(m.SampleIDs(text, alpha, -1, rng))]++
	}
	for key, c := range counts {
		if _, ok := prob[key]; !ok {
			t.Fatalf("sampled a segmentation %q that n-best does not know", key)
		}
		_ = c
	}
	// Compare the frequencies of the most likely segmentations.
	for _, s := range all[:min(5, len(all))] {
		key := fmtIDs(s.IDs())
		p := prob[key] / z
		got := float64(counts[key]) / draws
		sd := math.Sqrt(p * (1 - p) / draws)
		if math.Abs(got-p) > 5*sd+1e-3 {
			t.Errorf("segmentation %v: frequency %.4f, want %.4f ± %.4f", s.IDs(), got, p, 5*sd)
		}
	}
	// alpha 0 makes every segmentation equally likely.
	counts = map[string]int{}
	for range draws {
		counts[fmtIDs(m.SampleIDs(text, 0, -1, rng))]++
	}
	if len(counts) < len(all)/2 {
		t.Errorf("alpha 0 sampled only %d of %d segmentations", len(counts), len(all))
	}
	// n-best sampling draws only among the n best.
	top := map[string]bool{}
	for _, s := range all[:3] {
		top[fmtIDs(s.IDs())] = true
	}
	for range 200 {
		if k := fmtIDs(m.SampleIDs(text, 0.2, 3, rng)); !top[k] {
			t.Fatalf("n-best sampling drew %q outside the 3 best", k)
		}
	}
}

func TestSampledPiecesCoverTheText(t *testing.T) {
	m := loadTestModel(t, "sotu_bytefb_2k")
	text := "Hello 東京 world 123"
	rng := rand.New(rand.NewPCG(3, 4))
	want := m.Normalizer().NormalizeString(text)
	for range 100 {
		var sb strings.Builder
		for _, p := range m.Sample(text, 0.1, -1, rng) {
			if m.Type(p.ID) == Byte {
				sb.WriteByte(byte(pieceToByte(p.Piece)))
				continue
			}
			sb.WriteString(p.Piece)
		}
		if sb.String() != want || !utf8.ValidString(sb.String()) {
			t.Fatalf("sample spells %q, want %q", sb.String(), want)
		}
	}
}
