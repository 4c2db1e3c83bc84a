package text

import "testing"

func TestStepsSpellNumbersBeforePunctuationAndSymbolsGo(t *testing.T) {
	cases := []struct {
		name  string
		steps Steps
		in    string
		want  string
	}{
		{"a decimal keeps its point", Steps{Numbers: &Speller{}, RemovePunctuation: true}, "3.5 km", "three point five km"},
		{"money keeps its currency", Steps{Numbers: &Speller{}, RemoveSymbols: true, RemovePunctuation: true}, "It cost $3.50.", "It cost three dollars and fifty cents"},
		{"compounds lose their hyphens, not their space", Steps{Numbers: &Speller{}, RemovePunctuation: true}, "21 of 45", "twenty one of forty five"},
		{"ordinals too", Steps{Numbers: &Speller{}, RemovePunctuation: true}, "the 21st", "the twenty first"},
		{"percent and minus", Steps{Numbers: &Speller{}, RemovePunctuation: true, RemoveSymbols: true, FoldWhitespace: true}, "(-4.5%)", "minus four point five percent"},
		{"years", Steps{Numbers: &Speller{Years: true}, RemovePunctuation: true}, "in 1999, 2021", "in nineteen ninety nine twenty twenty one"},
		{"hyphens stay without punctuation removal", Steps{Numbers: &Speller{}}, "3.5 and 21", "three point five and twenty-one"},
		{"lower and fold-space around numbers", Steps{Lower: true, Numbers: &Speller{}, FoldWhitespace: true}, "  Page 3  ", "page three"},
		{"the zero Steps repairs UTF-8 only", Steps{}, "a\xffb 3.5", "a\ufffdb 3.5"},
		{"forms are case-insensitive", Steps{Form: "NFKC", StripAccents: true}, "ﬁ café", "fi cafe"},
	}
	for _, c := range cases {
		f, err := c.steps.Func()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := f(c.in); got != c.want {
			t.Errorf("%s: %q → %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestStepsRejectAnUnknownForm(t *testing.T) {
	if _, err := (Steps{Form: "nfx"}).Func(); err == nil {
		t.Fatal("an unknown normal form was accepted")
	}
}

func TestStepsLeaveTheCallersSpellerAlone(t *testing.T) {
	sp := &Speller{}
	f, _ := Steps{Numbers: sp, RemovePunctuation: true}.Func()
	f("21")
	if sp.NoHyphens {
		t.Fatal("Func changed the Speller it was given")
	}
}

func TestSpellerWithoutHyphens(t *testing.T) {
	sp := Speller{NoHyphens: true}
	for in, want := range map[int64]string{21: "twenty one", 99999: "ninety nine thousand nine hundred ninety nine", 20: "twenty"} {
		if got := sp.Cardinal(in); got != want {
			t.Errorf("Cardinal(%d) = %q, want %q", in, got, want)
		}
	}
	if got := sp.Ordinal(42); got != "forty second" {
		t.Errorf("Ordinal(42) = %q", got)
	}
}
