package unigram

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestDoubleArrayAgreesWithAMap builds tries from random keys (with shared
// prefixes and suffixes, so that subtrees are merged) and checks every
// lookup against a map.
func TestDoubleArrayAgreesWithAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for round := range 20 {
		n := 1 + rng.IntN(3000)
		set := map[string]int32{}
		for len(set) < n {
			l := 1 + rng.IntN(6)
			var b strings.Builder
			for range l {
				// A small alphabet with some high bytes.
				b.WriteByte("abcd\x80\xe2\xff"[rng.IntN(7)])
			}
			set[b.String()] = int32(rng.IntN(50)) // repeated values make identical subtrees
		}
		var keys []string
		var vals []int32
		for k, v := range set {
			keys = append(keys, k)
			vals = append(vals, v)
		}
		da, err := buildDoubleArray(keys, vals)
		if err != nil {
			t.Fatal(err)
		}
		for range 2000 {
			l := rng.IntN(8)
			var b strings.Builder
			for range l {
				b.WriteByte("abcd\x80\xe2\xff"[rng.IntN(7)])
			}
			q := b.String()
			want, ok := set[q]
			if !ok {
				want = -1
			}
			if got := da.exactMatch(q); got != want {
				t.Fatalf("round %d: exactMatch(%q) = %d, want %d", round, q, got, want)
			}
			var wantPrefixes []prefixMatch
			for i := 1; i <= len(q); i++ {
				if v, ok := set[q[:i]]; ok {
					wantPrefixes = append(wantPrefixes, prefixMatch{i, v})
				}
			}
			if got := da.commonPrefixSearch(q, nil); !slices.Equal(got, wantPrefixes) {
				t.Fatalf("round %d: commonPrefixSearch(%q) = %v, want %v", round, q, got, wantPrefixes)
			}
		}
	}
}

func TestDoubleArrayRejectsBadKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
		vals []int32
	}{
		{"an empty key", []string{""}, []int32{0}},
		{"a key with NUL", []string{"a\x00b"}, []int32{0}},
		{"a duplicate key", []string{"ab", "ab"}, []int32{0, 1}},
		{"a negative value", []string{"ab"}, []int32{-1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := buildDoubleArray(tc.keys, tc.vals); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestEncodeCharsmapRoundTrip(t *testing.T) {
	rules := map[string]string{"A": "a", "AB": "x", "ﬁ": "fi", "\u0007": "", "é": "e"}
	blob, err := EncodeCharsmap(rules)
	if err != nil {
		t.Fatal(err)
	}
	spec := NormalizerSpec{PrecompiledCharsmap: blob}
	n, err := NewNormalizer(spec, false)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"A": "a", "AB": "x", "ABA": "xa", "ﬁne": "fine", "a\u0007b": "ab", "café": "cafe", "plain": "plain",
	} {
		if got := n.NormalizeString(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := EncodeCharsmap(map[string]string{"a": "b\x00"}); err == nil {
		t.Error("a NUL in a replacement gave no error")
	}
}

func TestNormalizerWhitespaceOptions(t *testing.T) {
	tests := []struct {
		name                        string
		dummy, removeWS, escape, sf bool
		in, want                    string
	}{
		{"defaults", true, true, true, false, "  a   b  ", "▁a▁b"},
		{"no dummy prefix", false, true, true, false, "  a   b  ", "a▁b"},
		{"extra whitespace kept", true, false, true, false, " a  b ", "▁▁a▁▁b▁"},
		{"spaces not escaped", true, true, false, false, " a  b ", " a b"},
		{"whitespace as suffix", true, true, true, true, "a b", "a▁b▁"},
		{"only spaces", true, true, true, false, "    ", ""},
		{"empty", true, true, true, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := NormalizerSpec{AddDummyPrefix: tc.dummy, RemoveExtraWhitespaces: tc.removeWS, EscapeWhitespaces: tc.escape}
			n, err := NewNormalizer(spec, tc.sf)
			if err != nil {
				t.Fatal(err)
			}
			got, align := n.Normalize(tc.in)
			if got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(align) != len(got)+1 {
				t.Fatalf("alignment has %d entries for %d bytes", len(align), len(got))
			}
		})
	}
}
