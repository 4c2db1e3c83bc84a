package unicase

import (
	"strings"
	"testing"
)

func TestFinalSigma(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"ΟΔΟΣ", true},       // end of a word
		{"ΟΔΟΣ ΚΑΙ", true},   // before a space
		{"ΟΔΟΣ.", true},      // a full stop is case-ignorable, then the end
		{"ΑΣΑ", false},       // inside a word
		{"Σ", false},         // nothing cased before it
		{" Σ", false},        // only a space before it
		{"Α'Σ'Α", false},     // apostrophes are skipped both ways
		{"Α\u0301Σ", true},   // a combining accent is skipped before it
		{"ΑΣ\u0301Β", false}, // and after it
		{"abcΣ\xff", true},   // invalid UTF-8 after it is not cased
		{"\xffΣ", false},     // nor before it
	} {
		i := strings.Index(c.s, "Σ")
		if got := FinalSigma(c.s, i); got != c.want {
			t.Errorf("FinalSigma(%q, %d) = %v, want %v", c.s, i, got, c.want)
		}
	}
}

func TestProperties(t *testing.T) {
	for _, r := range []rune{'a', 'Z', 'ǅ', 'ª', 'Ⅰ'} { // lower, upper, title, Other_Lowercase, Other_Uppercase
		if !Cased(r) {
			t.Errorf("Cased(%q) = false", r)
		}
	}
	for _, r := range []rune{'1', ' ', '.', '\u0301'} {
		if Cased(r) {
			t.Errorf("Cased(%q) = true", r)
		}
	}
	for _, r := range []rune{'\'', '.', ':', '\u0301', '\u00AD', 'ʰ', '^', '\u2019'} {
		if !CaseIgnorable(r) {
			t.Errorf("CaseIgnorable(%q) = false", r)
		}
	}
	for _, r := range []rune{'a', ',', ' ', '1'} {
		if CaseIgnorable(r) {
			t.Errorf("CaseIgnorable(%q) = true", r)
		}
	}
}
