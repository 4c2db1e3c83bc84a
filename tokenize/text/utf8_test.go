package text

import (
	"encoding/hex"
	"testing"
	"unicode/utf8"
)

func TestToValidUTF8MatchesPython(t *testing.T) {
	rows := readTSVGz(t, "testdata/utf8_replace.tsv.gz")
	if len(rows) < 15000 {
		t.Fatalf("fixture has %d cases, want at least 15000", len(rows))
	}
	bad := 0
	for _, r := range rows {
		in, err1 := hex.DecodeString(r[0])
		want, err2 := hex.DecodeString(r[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad fixture line %q", r)
		}
		if got := ToValidUTF8(string(in)); got != string(want) {
			if bad++; bad <= 20 {
				t.Errorf("ToValidUTF8(%q) = %q, Python gives %q", in, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ", bad, len(rows))
	}
}

func TestToValidUTF8(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty stays empty", "", ""},
		{"valid text is unchanged", "héllo 😀", "héllo 😀"},
		{"a truncated sequence is one replacement", "a\xe2\x82b", "a\uFFFDb"},
		{"each stray continuation byte is one replacement", "\x80\x80", "\uFFFD\uFFFD"},
		{"an overlong lead byte is one replacement per byte", "\xc0\xaf", "\uFFFD\uFFFD"},
		{"an encoded surrogate is three replacements", "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"a code point above U+10FFFF is four replacements", "\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"a truncated four-byte sequence at the end is one replacement", "x\xf0\x9f\x98", "x\uFFFD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ToValidUTF8(tc.in)
			if got != tc.want {
				t.Errorf("ToValidUTF8(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("ToValidUTF8(%q) is not valid UTF-8", tc.in)
			}
		})
	}
}
