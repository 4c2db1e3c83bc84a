package text

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func TestLower(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ASCII", "Hello WORLD 123", "hello world 123"},
		{"already lower ASCII", "hello", "hello"},
		{"Latin-1", "ÀÉÎÕÜ Ç", "àéîõü ç"},
		{"German sharp s stays", "STRAßE", "straße"},
		{"capital sharp s", "ẞ", "ß"},
		{"Greek final sigma at the end of a word", "ΟΔΥΣΣΕΥΣ ΚΑΙ", "οδυσσευς και"},
		{"Greek sigma alone", "Σ", "σ"},
		{"Turkish dotted capital I keeps its dot as a mark", "İSTANBUL", "i̇stanbul"},
		{"dotless i unchanged", "ı", "ı"},
		{"title-case digraph", "ǅ", "ǆ"},
		{"Cyrillic", "МОСКВА", "москва"},
		{"full-width letters", "ＡＢＣ", "ａｂｃ"},
		{"Deseret, outside the BMP", "𐐀", "𐐨"},
		{"invalid bytes become U+FFFD", "A\xffB", "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Lower(tc.in); got != tc.want {
				t.Errorf("Lower(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLowerInTurkish(t *testing.T) {
	if got, want := LowerIn("İSTANBUL IŞIK", language.Turkish), "istanbul ışık"; got != want {
		t.Errorf("LowerIn(Turkish) = %q, want %q", got, want)
	}
	if got, want := LowerIn("IŞIK", language.English), "işik"; got != want {
		t.Errorf("LowerIn(English) = %q, want %q", got, want)
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name, a, b string
	}{
		{"sharp s folds to ss", "Straße", "STRASSE"},
		{"final sigma folds to sigma", "ΟΔΟΣ", "οδοσ"},
		{"ASCII", "Hello", "hELLO"},
		{"ligature", "ﬀ", "FF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if Fold(tc.a) != Fold(tc.b) {
				t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want equal", tc.a, Fold(tc.a), tc.b, Fold(tc.b))
			}
		})
	}
}

// TestLowerMatchesXText checks Lower against x/text's full Unicode lower
// casing on every code point.
func TestLowerMatchesXText(t *testing.T) {
	c := cases.Lower(language.Und)
	bad := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r < 0xE000 {
			continue
		}
		s := string(r)
		if got, want := Lower(s), c.String(s); got != want {
			if bad++; bad <= 20 {
				t.Errorf("Lower(%+q) = %+q, x/text gives %+q", s, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d code points differ", bad)
	}
}

// TestLowerFinalSigmaMatchesPython checks the final-sigma rule next to every
// code point against Python's str.lower. Python and Rust skip characters
// that are both cased and case-ignorable (such as U+02B0, modifier letter
// small h) when they look for a cased letter before the sigma, where
// x/text, following the letter of the Unicode rule, stops at them; Lower
// does what Python and Rust do, so that it agrees with tokenizers written
// in them.
func TestLowerFinalSigmaMatchesPython(t *testing.T) {
	rows := readTSVGz(t, "testdata/pysigma.tsv.gz")
	bad := 0
	for _, row := range rows[1:] {
		first, err1 := strconv.ParseUint(row[0], 16, 32)
		last, err2 := strconv.ParseUint(row[1], 16, 32)
		if err1 != nil || err2 != nil || len(row[2]) != 3 {
			t.Fatalf("bad fixture line %q", row)
		}
		for r := rune(first); r <= rune(last); r++ {
			c := string(r)
			for k, s := range []string{"Α" + c + "Σ", "ΑΣ" + c, c + "Σ"} {
				if got := strings.Contains(Lower(s), "ς"); got != (row[2][k] == '1') {
					if bad++; bad <= 20 {
						t.Errorf("Lower(%+q) = %+q; Python's final sigma: %v", s, Lower(s), !got)
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d strings differ", bad)
	}
}

func TestFoldMatchesPython(t *testing.T) {
	rows := readTSVGz(t, "testdata/pyfold.tsv.gz")
	want := map[rune]string{}
	for _, r := range rows[1:] {
		c, err := strconv.ParseUint(r[0], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, h := range strings.Fields(r[1]) {
			x, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteRune(rune(x))
		}
		want[rune(c)] = b.String()
	}
	bad := 0
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if c >= 0xD800 && c < 0xE000 {
			continue
		}
		w, ok := want[c]
		if !ok {
			w = string(c)
		}
		if got := Fold(string(c)); got != w {
			if bad++; bad <= 20 {
				t.Errorf("Fold(%U) = %+q, Python's casefold gives %+q", c, got, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d code points fold differently from Python", bad)
	}
}
