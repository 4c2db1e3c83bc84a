package stem

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEnglishMatchesSnowballList(t *testing.T) {
	rows := readTSVGz(t, "testdata/snowball_english.tsv.gz")
	if len(rows) != 29417 {
		t.Fatalf("fixture has %d pairs, want 29417", len(rows))
	}
	bad := 0
	for _, r := range rows {
		if got := (English{}).Stem(r[0]); got != r[1] {
			if bad++; bad <= 20 {
				t.Errorf("Stem(%q) = %q, Snowball's list says %q", r[0], got, r[1])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d words differ", bad, len(rows))
	}
}

func TestEnglishMatchesLibstemmer(t *testing.T) {
	rows := readTSVGz(t, "testdata/english_libstemmer.tsv.gz")
	if len(rows) < 150000 {
		t.Fatalf("fixture has %d words, want at least 150000", len(rows))
	}
	bad := 0
	for _, r := range rows {
		want := r[1]
		if want == "=" {
			want = r[0]
		}
		if got := (English{}).Stem(r[0]); got != want {
			if bad++; bad <= 20 {
				t.Errorf("Stem(%q) = %q, libstemmer gives %q", r[0], got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d words differ", bad, len(rows))
	}
}

func TestEnglishExamples(t *testing.T) {
	tests := []struct {
		name, word, want string
	}{
		{"plain -ing is removed", "running", "run"},
		{"-ly after a valid li letter is removed", "generously", "generous"},
		{"gener is a region-1 exception", "generate", "generat"},
		{"whole-word exception", "skies", "sky"},
		{"invariant exception", "news", "news"},
		{"step 1a exception stops stemming", "succeed", "succeed"},
		{"apostrophe s is removed", "dog's", "dog"},
		{"initial apostrophe is removed", "'tis", "tis"},
		{"y after a vowel is a consonant", "saying", "say"},
		{"y after a consonant becomes i", "cry", "cri"},
		{"y after the first letter is kept", "by", "by"},
		{"ies after one letter becomes ie", "ties", "tie"},
		{"short words are left alone", "as", "as"},
		{"empty word", "", ""},
		{"upper case is left alone", "RUNNING", "RUNNING"},
		{"non-ASCII letters are consonants", "façades", "façad"},
		{"invalid bytes are kept", "run\xffing", "run\xff"},
		{"long word", strings.Repeat("nation", 2000), strings.Repeat("nation", 1999) + "n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (English{}).Stem(tc.word); got != tc.want {
				t.Errorf("Stem(%q) = %q, want %q", abbrev(tc.word), abbrev(got), abbrev(tc.want))
			}
		})
	}
}

func TestEnglishStemIsAPrefixWithoutAllocating(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if (English{}).Stem("connections") != "connect" {
			t.Fatal("wrong stem")
		}
	})
	if allocs != 0 {
		t.Errorf("Stem allocated %v times for a stem that is a prefix of the word", allocs)
	}
}

func FuzzEnglish(f *testing.F) {
	for _, s := range []string{"", "running", "'tis", "dog's'", "yyyy", "generalization", "façades", "run\xffing"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		s := (English{}).Stem(word)
		if utf8.ValidString(word) && !utf8.ValidString(s) {
			t.Fatalf("Stem(%q) = %q is not valid UTF-8", word, s)
		}
		if len(s) > len(word)+2 {
			t.Fatalf("Stem(%q) = %q grew too much", word, s)
		}
	})
}
