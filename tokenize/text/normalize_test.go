package text

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestNormalForms(t *testing.T) {
	tests := []struct {
		name                 string
		in                   string
		nfc, nfd, nfkc, nfkd string
	}{
		{"ASCII is unchanged", "abc", "abc", "abc", "abc", "abc"},
		{"combining acute composes", "e\u0301", "é", "e\u0301", "é", "e\u0301"},
		{"precomposed decomposes", "é", "é", "e\u0301", "é", "e\u0301"},
		{"marks are put in canonical order", "a\u0301\u0323", "ạ\u0301", "a\u0323\u0301", "ạ\u0301", "a\u0323\u0301"},
		{"ligature only under compatibility", "ﬁ", "ﬁ", "ﬁ", "fi", "fi"},
		{"full-width only under compatibility", "Ｈｉ１", "Ｈｉ１", "Ｈｉ１", "Hi1", "Hi1"},
		{"superscript two", "x²", "x²", "x²", "x2", "x2"},
		{"Hangul syllable decomposes to jamo", "한", "한", "\u1112\u1161\u11ab", "한", "\u1112\u1161\u11ab"},
		{"Angstrom sign becomes A with ring", "\u212B", "Å", "A\u030A", "Å", "A\u030A"},
		{"invalid bytes become U+FFFD", "a\xff", "a\uFFFD", "a\uFFFD", "a\uFFFD", "a\uFFFD"},
		{"empty", "", "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []struct {
				name string
				fn   func(string) string
				want string
			}{{"NFC", NFC, tc.nfc}, {"NFD", NFD, tc.nfd}, {"NFKC", NFKC, tc.nfkc}, {"NFKD", NFKD, tc.nfkd}} {
				if got := f.fn(tc.in); got != f.want {
					t.Errorf("%s(%q) = %q, want %q", f.name, tc.in, got, f.want)
				}
			}
		})
	}
}

func TestStripAccents(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Latin accents", "Ångström café naïve", "Angstrom cafe naive"},
		{"decomposed input", "e\u0301", "e"},
		{"Vietnamese stacked marks", "Tiếng Việt", "Tieng Viet"},
		{"Greek tonos", "άέήίόύώ", "αεηιουω"},
		{"letters that are not base plus mark stay", "ø ł ß æ đ", "ø ł ß æ đ"},
		{"Hangul is recomposed", "한국어", "한국어"},
		{"Cyrillic short i loses its breve", "й", "и"},
		{"ASCII unchanged", "plain", "plain"},
		{"invalid bytes become U+FFFD", "\xffé", "\uFFFDe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripAccents(tc.in); got != tc.want {
				t.Errorf("StripAccents(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRemoveControl(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"NUL and bell go", "a\x00b\x07c", "abc"},
		{"tab and newline stay", "a\tb\nc\r\n", "a\tb\nc\r\n"},
		{"DEL and C1 controls go", "a\x7fb\u0080c\u009f", "abc"},
		{"next line is white space and stays", "a\u0085b", "a\u0085b"},
		{"zero-width space, joiners and BOM go", "\ufeffa\u200bb\u200cc\u200dd", "abcd"},
		{"soft hyphen and directional marks go", "co\u00adop\u200e\u200f", "coop"},
		{"replacement character and invalid bytes go", "a\uFFFDb\xffc", "abc"},
		{"emoji ZWJ sequence is split", "👨\u200d👩", "👨👩"},
		{"ordinary text unchanged", "héllo, wörld", "héllo, wörld"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RemoveControl(tc.in); got != tc.want {
				t.Errorf("RemoveControl(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRemovePunctuationAndSymbols(t *testing.T) {
	if got, want := RemovePunctuation(`"Hello," she said — «bonjour»! 你好。`), "Hello she said  bonjour 你好"; got != want {
		t.Errorf("RemovePunctuation = %q, want %q", got, want)
	}
	if got, want := RemoveSymbols("5 € + 3 $ = 😀 ©"), "5   3    "; got != want {
		t.Errorf("RemoveSymbols = %q, want %q", got, want)
	}
	if got, want := RemoveFunc("a1b2c3", func(r rune) bool { return r >= '0' && r <= '9' }), "abc"; got != want {
		t.Errorf("RemoveFunc = %q, want %q", got, want)
	}
}

func TestFoldWhitespace(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \t\n ", ""},
		{"single spaces unchanged", "a b c", "a b c"},
		{"runs fold and ends trim", "  a \t\n b   c  ", "a b c"},
		{"no-break and ideographic spaces fold", "a\u00a0\u3000b\u2003c", "a b c"},
		{"line and paragraph separators fold", "a\u2028b\u2029c", "a b c"},
		{"zero-width space is not white space", "a\u200bb", "a\u200bb"},
		{"huge run", "a" + strings.Repeat(" \n", 100000) + "b", "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FoldWhitespace(tc.in); got != tc.want {
				t.Errorf("FoldWhitespace(%q) = %q, want %q", tc.in[:min(len(tc.in), 40)], got, tc.want)
			}
		})
	}
}

func TestChain(t *testing.T) {
	clean := Chain(NFKC, RemoveControl, Lower, StripAccents, FoldWhitespace)
	if got, want := clean("  Ｃafé\u200b  ﬁne\t\x00ÀÉ  "), "cafe fine ae"; got != want {
		t.Errorf("chain = %q, want %q", got, want)
	}
	if got := Chain()("same"); got != "same" {
		t.Errorf("empty chain changed its input: %q", got)
	}
}

// forms pairs the normal-form functions with x/text's forms.
var forms = []struct {
	name string
	fn   func(string) string
	f    norm.Form
}{{"NFC", NFC, norm.NFC}, {"NFD", NFD, norm.NFD}, {"NFKC", NFKC, norm.NFKC}, {"NFKD", NFKD, norm.NFKD}}

func TestNormalFormsMatchXText(t *testing.T) {
	inputs := []string{
		"", "plain ASCII", "e\u0301", "a\u0301\u0323b", "한\u11a8", "\u1100\u1161\u11a8", "\u0bc6\u0bbe",
		"x\u0344y", "ﬁ\u0301", "\u212b\u0301", "😀\u0301", "\U0002F800", "𝐀\u0301", "Å\u0308\u0301",
		"ÀÉÎ 한국어 Ｈｉ ① ㍿", strings.Repeat("é", 1000) + "e\u0301", "\u0301\u0301start",
		"a" + strings.Repeat("\u0301", 40), "é" + strings.Repeat("\u0323", 35) + "x",
		"ab" + strings.Repeat("\u0323\u0301", 30) + "ǖ" + strings.Repeat("\u0f73", 20),
		strings.Repeat("\u0301", 100), "x" + strings.Repeat("ệ", 30) + strings.Repeat("\u0345", 25),
	}
	// Every code point below U+20000 after a letter and before a mark.
	for r := rune(0x80); r < 0x20000; r += 7 {
		if r < 0xD800 || r > 0xDFFF {
			inputs = append(inputs, "a"+string(r)+"\u0301b")
		}
	}
	for _, in := range inputs {
		for _, f := range forms {
			if got, want := f.fn(in), f.f.String(in); got != want {
				t.Errorf("%s(%+q) = %+q, x/text gives %+q", f.name, in, got, want)
			}
		}
	}
}

func FuzzNormalFormsMatchXText(f *testing.F) {
	for _, s := range []string{"e\u0301", "한\u11a8", "ﬁ", "Å\u0308\u0301", "\u0bc6\u0bbe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = ToValidUTF8(s)
		for _, fm := range forms {
			if got, want := fm.fn(s), fm.f.String(s); got != want {
				t.Fatalf("%s(%+q) = %+q, x/text gives %+q", fm.name, s, got, want)
			}
		}
	})
}

// stripAccentsByDefinition is StripAccents as its documentation defines
// it: NFD, drop the Mn marks, NFC.
func stripAccentsByDefinition(s string) string {
	s = ToValidUTF8(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func TestStripAccentsMatchesDefinition(t *testing.T) {
	inputs := []string{"Ångström café naïve", "\u0f73\u0f71", "한\u0301\u11a8", "\u0bc6\u0301\u0bbe", "a\u0301\u0345"}
	for r := rune(0x80); r < 0x30000; r++ {
		if r < 0xD800 || r > 0xDFFF {
			inputs = append(inputs, "a"+string(r)+"\u0301", string(r)+"\u0bbe\u11a8")
		}
	}
	bad := 0
	for _, in := range inputs {
		if got, want := StripAccents(in), stripAccentsByDefinition(in); got != want {
			if bad++; bad <= 20 {
				t.Errorf("StripAccents(%+q) = %+q, by definition %+q", in, got, want)
			}
		}
	}
}

func FuzzStripAccentsMatchesDefinition(f *testing.F) {
	for _, s := range []string{"Ångström", "Tiếng Việt", "한국어", "\u0f73"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := StripAccents(s), stripAccentsByDefinition(s); got != want {
			t.Fatalf("StripAccents(%+q) = %+q, by definition %+q", s, got, want)
		}
	})
}
