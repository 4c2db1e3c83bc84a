package unigram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLoadModel feeds arbitrary bytes, and mutations of a real model, to
// the .model reader: it must return a model or an error, never panic, and a
// model it accepts must encode text and survive a write and reread.
func FuzzLoadModel(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "sotu_identity_2k.model"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x03, '<', 'u', '>', 0x18, 0x02})
	small := (&ModelProto{Trainer: DefaultTrainerSpec(), Normalizer: DefaultNormalizerSpec(),
		Pieces: []PieceProto{{Piece: "<unk>", Type: Unknown}, {Piece: "a", Score: -1}, {Piece: "\u2581a", Score: -2}}}).Marshal()
	f.Add(small)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadBytes(data)
		if err != nil {
			return
		}
		for _, s := range []string{"a", "\u2581a b", "hello world", "\xff\xfe", "東京"} {
			ids := m.EncodeIDs(s)
			if _, err := m.Decode(ids); err != nil {
				t.Fatalf("Decode of Encode(%q): %v", s, err)
			}
			m.NBest(s, 3)
		}
		m2, err := LoadBytes(m.Proto().Marshal())
		if err != nil {
			t.Fatalf("a model that loaded does not reload after Marshal: %v", err)
		}
		if m2.VocabSize() != m.VocabSize() {
			t.Fatalf("vocab size %d after a round trip, want %d", m2.VocabSize(), m.VocabSize())
		}
	})
}

// FuzzEncode checks on arbitrary input that encoding never panics, that
// the pieces spell the normalized text, that offsets are ordered and inside
// the input, and that decoding works.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", " ", "Hello world", "\xff\x00abc", "東京は日本", "🌍 emoji", "a\u0301", "  x  ", "<sep>[MASK]", strings.Repeat("ab ", 100)} {
		f.Add(s)
	}
	models := []*Model{loadTestModel(f, "sotu_nfkc_4k"), loadTestModel(f, "sotu_bytefb_2k"), loadTestModel(f, "sotu_identity_2k")}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range models {
			ps := m.Encode(s)
			norm := m.Normalizer().NormalizeString(s)
			var spelled []byte
			prevStart := 0
			for _, p := range ps {
				if p.Start < prevStart || p.End < p.Start || p.End > len(s) {
					t.Fatalf("Encode(%q): bad offsets %d..%d after %d", s, p.Start, p.End, prevStart)
				}
				prevStart = p.Start
				if m.Type(p.ID) == Byte {
					spelled = append(spelled, byte(pieceToByte(p.Piece)))
				} else {
					spelled = append(spelled, p.Piece...)
				}
			}
			if string(spelled) != norm {
				t.Fatalf("Encode(%q) spells %q, want %q", s, spelled, norm)
			}
			if !utf8.ValidString(norm) {
				t.Fatalf("normalized %q is not valid UTF-8", norm)
			}
			end := 0
			for _, p := range m.EncodeNormalized(s) {
				if p.Start != end || p.End < p.Start || p.End > len(s) {
					t.Fatalf("EncodeNormalized(%q): piece %+v after %d", s, p, end)
				}
				end = max(end, p.End)
			}
			if end != len(s) {
				t.Fatalf("EncodeNormalized(%q) covers %d bytes", s, end)
			}
			dec, err := m.Decode(m.EncodeIDs(s))
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(dec) {
				t.Fatalf("Decode gave invalid UTF-8 %q", dec)
			}
		}
	})
}

// FuzzNormalize checks the alignment: one entry per output byte plus one,
// never decreasing, within the input.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "  a  b  ", "Ｆｕｌｌ", "\x00\x01\xff", "ﬁ ① ㍻"} {
		f.Add(s)
	}
	norms := []*Normalizer{loadTestModel(f, "sotu_nfkc_4k").Normalizer(), loadTestModel(f, "sotu_identity_2k").Normalizer()}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range norms {
			out, align := n.Normalize(s)
			if len(align) != len(out)+1 {
				t.Fatalf("Normalize(%q): %d alignment entries for %d bytes", s, len(align), len(out))
			}
			for i := 1; i < len(align); i++ {
				if align[i] < align[i-1] || align[i] > len(s) {
					t.Fatalf("Normalize(%q): alignment %v", s, align)
				}
			}
			if out != n.NormalizeString(s) {
				t.Fatal("Normalize and NormalizeString differ")
			}
		}
	})
}
