package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// normalizers lists the normalizers with whether applying one twice must
// give the same result as applying it once.
var normalizers = []struct {
	name       string
	fn         func(string) string
	idempotent bool
}{
	{"ToValidUTF8", ToValidUTF8, true},
	{"Lower", Lower, true},
	{"Fold", Fold, true},
	{"NFC", NFC, true},
	{"NFD", NFD, true},
	{"NFKC", NFKC, true},
	{"NFKD", NFKD, true},
	{"StripAccents", StripAccents, true},
	{"RemoveControl", RemoveControl, true},
	{"RemovePunctuation", RemovePunctuation, true},
	{"RemoveSymbols", RemoveSymbols, true},
	{"FoldWhitespace", FoldWhitespace, true},
	{"ExpandNumbers", ExpandNumbers, false},
}

func FuzzNormalizers(f *testing.F) {
	for _, s := range []string{
		"", "Hello, World!", "ΟΔΟΣ İSTANBUL ǅ", "e\u0301\u0323", "ﬁ Ｈｉ x²", "\xff\xe2\x82", "a\u200db\u00ad",
		"  a\t\u3000b  ", "$3.50 and 21st and -4.5%", "한국어 Tiếng Việt", "\u0345\u03a3\u0345", "0ꭺᏸ Ꭺ ı",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range normalizers {
			out := n.fn(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q is not valid UTF-8", n.name, s, out)
			}
			if n.idempotent {
				if again := n.fn(out); again != out {
					t.Fatalf("%s is not idempotent on %q: %q then %q", n.name, s, out, again)
				}
			}
		}
	})
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"", "$3.50", "1,234.5", "21st", "the 1990s", "-4%", "1.2.3", "£0.01", "\xff5"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, years bool) {
		out := Speller{Years: years, And: years, Commas: !years}.Expand(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Expand(%q) = %q is not valid UTF-8", s, out)
		}
		if !strings.ContainsAny(s, "0123456789") && out != ToValidUTF8(s) {
			t.Fatalf("Expand(%q) = %q changed text without digits", s, out)
		}
	})
}

func FuzzNumber(f *testing.F) {
	for _, s := range []string{"", "0", "-1,234.50", ".5", "1" + strings.Repeat("0", 70), "1,2", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Speller{}.Number(s)
		if err != nil {
			return
		}
		if w == "" || strings.ContainsAny(w, "0123456789") || !utf8.ValidString(w) {
			t.Fatalf("Number(%q) = %q", s, w)
		}
	})
}

func TestHugeInputs(t *testing.T) {
	inputs := map[string]string{
		"10 MB of mixed text":          strings.Repeat("Ångström's café, ΟΔΟΣ 1,250 $4.50 敏捷 😀\u200b\n", 10<<20/64),
		"a million combining marks":    "a" + strings.Repeat("\u0301", 1<<20),
		"a million invalid bytes":      strings.Repeat("\xff", 1<<20),
		"a million-digit number":       strings.Repeat("9", 1<<20),
		"a million capital sigmas":     strings.Repeat("Σ", 1<<20),
		"a million spaces between two": "a" + strings.Repeat(" \t", 1<<19) + "b",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			for _, n := range normalizers {
				if out := n.fn(in); !utf8.ValidString(out) {
					t.Fatalf("%s gave invalid UTF-8", n.name)
				}
			}
		})
	}
}
