package stem

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// readTSVGz reads a gzip-compressed, tab-separated fixture.
func readTSVGz(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows [][]string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		rows = append(rows, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// abbrev shortens long strings in test messages.
func abbrev(s string) string {
	if len(s) <= 80 {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes)…%s", s[:30], len(s), s[len(s)-30:])
}

func TestPorterMatchesNLTK(t *testing.T) {
	rows := readTSVGz(t, "testdata/porter_nltk.tsv.gz")
	if len(rows) < 150000 {
		t.Fatalf("fixture has %d words, want at least 150000", len(rows))
	}
	stemmers := []struct {
		name string
		p    Porter
		col  int
	}{
		{"NLTK_EXTENSIONS", Porter{Mode: NLTKExtensions}, 1},
		{"MARTIN_EXTENSIONS", Porter{Mode: MartinExtensions}, 2},
		{"ORIGINAL_ALGORITHM", Porter{Mode: OriginalAlgorithm}, 3},
		{"NLTK_EXTENSIONS, to_lowercase=False", Porter{Mode: NLTKExtensions, KeepCase: true}, 4},
	}
	for _, s := range stemmers {
		t.Run(s.name, func(t *testing.T) {
			bad := 0
			for _, r := range rows {
				if len(r) != 5 {
					t.Fatalf("bad fixture line %q", r)
				}
				want := r[s.col]
				if want == "=" {
					want = r[1]
				}
				if got := s.p.Stem(r[0]); got != want {
					if bad++; bad <= 20 {
						t.Errorf("Stem(%q) = %q, nltk gives %q", r[0], got, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d words differ from nltk", bad, len(rows))
			}
		})
	}
}

// The Snowball fixtures hold a voc.txt/output.txt pair as "word<TAB>stem" lines.
func TestPorterOriginalMatchesSnowballPorterList(t *testing.T) {
	rows := readTSVGz(t, "testdata/snowball_porter.tsv.gz")
	if len(rows) != 30428 {
		t.Fatalf("fixture has %d pairs, want 30428", len(rows))
	}
	p := Porter{Mode: OriginalAlgorithm}
	bad := 0
	for _, r := range rows {
		if got := p.Stem(r[0]); got != r[1] {
			if bad++; bad <= 20 {
				t.Errorf("Stem(%q) = %q, Snowball's list says %q", r[0], got, r[1])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d words differ", bad, len(rows))
	}
}

func TestPorterExamples(t *testing.T) {
	tests := []struct {
		name string
		mode PorterMode
		word string
		want string
	}{
		{"plural sses becomes ss", OriginalAlgorithm, "caresses", "caress"},
		{"plural ies becomes i", OriginalAlgorithm, "ponies", "poni"},
		{"nltk keeps ie on four-letter ies words", NLTKExtensions, "dies", "die"},
		{"original strips ies on four-letter words too", OriginalAlgorithm, "dies", "di"},
		{"nltk irregular form", NLTKExtensions, "dying", "die"},
		{"irregular table is looked up before lower-casing", NLTKExtensions, "Skies", "ski"},
		{"eed with m>0 becomes ee", OriginalAlgorithm, "agreed", "agre"},
		{"ing removed and e restored", OriginalAlgorithm, "filing", "file"},
		{"double consonant undoubled", MartinExtensions, "hopping", "hop"},
		{"nltk y needs a consonant before it", NLTKExtensions, "enjoy", "enjoy"},
		{"martin y needs a vowel in the stem", MartinExtensions, "enjoy", "enjoi"},
		{"nltk logi keeps short stems", NLTKExtensions, "geology", "geolog"},
		{"martin bli rule", MartinExtensions, "possibly", "possibl"},
		{"short word untouched outside the original mode", NLTKExtensions, "as", "as"},
		{"original mode stems short words", OriginalAlgorithm, "as", "a"},
		{"upper case is lowered first", NLTKExtensions, "RUNNING", "run"},
		{"literal *d suffix follows nltk's rule table", NLTKExtensions, "a*ded", "ad"},
		{"empty word", NLTKExtensions, "", ""},
		{"empty word in the original mode", OriginalAlgorithm, "", ""},
		{"dotted capital I lowers to two runes but the word counts as short", NLTKExtensions, "İs", "i̇s"},
		{"dotted capital I lowers to two runes", OriginalAlgorithm, "İs", "i̇"},
		{"final sigma is lowered as Python does", NLTKExtensions, "ΟΔΟΣ", "οδος"},
		{"non-ASCII letters are consonants", NLTKExtensions, "cafés", "café"},
		{"long run of y alternates", NLTKExtensions, strings.Repeat("y", 10001), strings.Repeat("y", 10001)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Porter{Mode: tc.mode}).Stem(tc.word); got != tc.want {
				t.Errorf("Porter{%v}.Stem(%q) = %q, want %q", tc.mode, abbrev(tc.word), abbrev(got), abbrev(tc.want))
			}
		})
	}
}

func TestPorterKeepsInvalidUTF8Bytes(t *testing.T) {
	tests := []struct {
		name, word, want string
	}{
		{"invalid byte before a suffix", "caf\xffing", "caf\xff"},
		{"lone invalid byte", "\xff", "\xff"},
		{"truncated rune before plural", "ab\xe2\x82s", "ab\xe2\x82"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Porter{}).Stem(tc.word); got != tc.want {
				t.Errorf("Stem(%q) = %q, want %q", tc.word, got, tc.want)
			}
		})
	}
}

func TestParsePorterMode(t *testing.T) {
	for _, m := range []PorterMode{NLTKExtensions, MartinExtensions, OriginalAlgorithm} {
		got, err := ParsePorterMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParsePorterMode(%q) = %v, %v; want %v", m.String(), got, err, m)
		}
	}
	if _, err := ParsePorterMode("porter"); err == nil {
		t.Error("ParsePorterMode accepted an unknown name")
	}
	if s := PorterMode(9).String(); s != "PorterMode(9)" {
		t.Errorf("PorterMode(9).String() = %q", s)
	}
}

func TestPorterStemIsAPrefixWithoutAllocating(t *testing.T) {
	p := Porter{}
	allocs := testing.AllocsPerRun(100, func() {
		if p.Stem("connections") != "connect" {
			t.Fatal("wrong stem")
		}
	})
	if allocs != 0 {
		t.Errorf("Stem allocated %v times for a stem that is a prefix of the word", allocs)
	}
}

func FuzzPorter(f *testing.F) {
	for _, s := range []string{"", "running", "ΟΔΟΣ", "İs", "a*ded", "caf\xffing", "yyyy", "generalization"} {
		f.Add(s)
	}
	modes := []Porter{{Mode: NLTKExtensions}, {Mode: MartinExtensions}, {Mode: OriginalAlgorithm}, {KeepCase: true}}
	f.Fuzz(func(t *testing.T, word string) {
		for _, p := range modes {
			s := p.Stem(word)
			if utf8.ValidString(word) && !utf8.ValidString(s) {
				t.Fatalf("%v: Stem(%q) = %q is not valid UTF-8", p.Mode, word, s)
			}
			if len(s) > len(word)+8 {
				t.Fatalf("%v: Stem(%q) = %q grew too much", p.Mode, word, s)
			}
		}
	})
}

// FuzzByteAndRunePathsAgree checks that the byte path (ASCII words) and the
// rune path (everything else) of both stemmers give the same stem.
func FuzzByteAndRunePathsAgree(f *testing.F) {
	for _, s := range []string{"running", "generalizations", "Y'yy's", "a*ded", "skies"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		if !isASCII(word) || len(word) < 3 {
			return
		}
		for _, mode := range []PorterMode{NLTKExtensions, MartinExtensions, OriginalAlgorithm} {
			b := string(porterSteps(appendASCII(nil, word, true), mode))
			r := string(appendEncoded(nil, porterSteps(appendRunes(nil, word, true), mode)))
			if b != r {
				t.Fatalf("%v: byte path %q, rune path %q for %q", mode, b, r, word)
			}
		}
		b := string(englishSteps([]byte(word)))
		r := string(appendEncoded(nil, englishSteps(appendRunes(nil, word, false))))
		if b != r {
			t.Fatalf("English: byte path %q, rune path %q for %q", b, r, word)
		}
	})
}
