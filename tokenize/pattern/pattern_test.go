package pattern

import (
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

type piecesDoc struct {
	Name   string `json:"name"`
	B64    string `json:"b64"`
	GPT2   []int  `json:"gpt2"`
	CL100K []int  `json:"cl100k"`
	O200K  []int  `json:"o200k"`
}

func loadPieces(t *testing.T) []piecesDoc {
	t.Helper()
	f, err := os.Open("testdata/pieces.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fx struct{ Docs []piecesDoc }
	if err := json.NewDecoder(zr).Decode(&fx); err != nil {
		t.Fatal(err)
	}
	return fx.Docs
}

// replaceInvalid replaces every byte that does not start a valid UTF-8
// encoding with U+FFFD and returns the new text and, for every offset of s
// (0..len(s)), the matching offset in the new text.
func replaceInvalid(s string) (string, []int) {
	var b strings.Builder
	m := make([]int, len(s)+1)
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		for k := 0; k < w; k++ {
			m[i+k] = b.Len()
		}
		if r == utf8.RuneError && w == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	m[len(s)] = b.Len()
	return b.String(), m
}

func lens(p Pattern, s string) []int {
	var out []int
	for i := 0; i < len(s); {
		j := p.Next(s, i)
		out = append(out, j-i)
		i = j
	}
	return out
}

func TestPiecesMatchTheRegexOnTheMixedCorpus(t *testing.T) {
	docs := loadPieces(t)
	if len(docs) < 1000 {
		t.Fatalf("fixture has %d documents, want at least 1000", len(docs))
	}
	for _, p := range []Pattern{GPT2, CL100K, O200K} {
		t.Run(p.String(), func(t *testing.T) {
			bad := 0
			for _, d := range docs {
				raw, err := base64.StdEncoding.DecodeString(d.B64)
				if err != nil {
					t.Fatal(err)
				}
				text, _ := replaceInvalid(string(raw))
				want := map[Pattern][]int{GPT2: d.GPT2, CL100K: d.CL100K, O200K: d.O200K}[p]
				got := lens(p, text)
				if !equalInts(got, want) {
					bad++
					if bad <= 5 {
						t.Errorf("%s: %q\n got pieces %q\nwant pieces %q", d.Name, text, cut(text, got), cut(text, want))
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d documents differ", bad, len(docs))
			}
		})
	}
}

func TestInvalidBytesSplitLikeTheReplacementCharacter(t *testing.T) {
	docs := loadPieces(t)
	n := 0
	for _, d := range docs {
		raw, _ := base64.StdEncoding.DecodeString(d.B64)
		s := string(raw)
		if utf8.ValidString(s) {
			continue
		}
		n++
		text, m := replaceInvalid(s)
		for _, p := range []Pattern{GPT2, CL100K, O200K} {
			var mapped []int
			for _, b := range p.AppendBounds(nil, s) {
				mapped = append(mapped, m[b])
			}
			want := p.AppendBounds(nil, text)
			if !equalInts(mapped, want) {
				t.Errorf("%s %s: bounds on raw bytes %v, on replaced text %v", p, d.Name, mapped, want)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d documents with invalid UTF-8 in the fixture", n)
	}
}

func TestSplitExamples(t *testing.T) {
	tests := []struct {
		name string
		p    Pattern
		in   string
		want []string
	}{
		{"gpt2 keeps a space before a word", GPT2, "Hello world", []string{"Hello", " world"}},
		{"gpt2 leaves the last space of a run for the next word", GPT2, "a   b", []string{"a", "  ", " b"}},
		{"gpt2 takes trailing white space whole", GPT2, "a   ", []string{"a", "   "}},
		{"gpt2 contractions are case sensitive", GPT2, "it's IT'S", []string{"it", "'s", " IT", "'", "S"}},
		{"gpt2 groups digits without limit", GPT2, "12345", []string{"12345"}},
		{"cl100k contractions fold case", CL100K, "IT'S", []string{"IT", "'S"}},
		{"cl100k folds long s", CL100K, "x'ſ", []string{"x", "'ſ"}},
		{"cl100k splits digits in threes", CL100K, "1234567", []string{"123", "456", "7"}},
		{"cl100k attaches one punctuation to a word", CL100K, "!hello ?!x", []string{"!hello", " ?!", "x"}},
		{"cl100k ends a white-space run at its last newline", CL100K, "a \n \n  b", []string{"a", " \n \n", " ", " b"}},
		{"cl100k keeps newlines after punctuation", CL100K, "x.\n\ny", []string{"x", ".\n\n", "y"}},
		{"o200k splits camel case", O200K, "helloWorld JSONParser", []string{"hello", "World", " JSONParser"}},
		{"o200k keeps an all-caps word whole", O200K, "HELLO world", []string{"HELLO", " world"}},
		{"o200k attaches contractions to words", O200K, "they're", []string{"they're"}},
		{"o200k keeps slashes after punctuation", O200K, "a.// b", []string{"a", ".//", " b"}},
		{"empty text has no pieces", CL100K, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Split(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("%s.Split(%q) = %q, want %q", tt.p, tt.in, got, tt.want)
			}
		})
	}
}

func TestLookupKnowsTheTiktokenSpellings(t *testing.T) {
	for _, p := range []Pattern{GPT2, CL100K, O200K} {
		if got, ok := Lookup(p.Regex()); !ok || got != p {
			t.Errorf("Lookup(%s.Regex()) = %v, %v", p, got, ok)
		}
	}
	if _, ok := Lookup(`\w+`); ok {
		t.Error(`Lookup(\w+) succeeded`)
	}
}

func TestNextOnAnInvalidPatternPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Pattern(0).Next("x", 0)
}

func FuzzPiecesCoverTheText(f *testing.F) {
	for _, s := range []string{"", "Hello world", "a   b\n\n c", "x\xff'ſ 123456", "JSONParser's\r\n\t", "\u3000\u0085\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []Pattern{GPT2, CL100K, O200K} {
			i := 0
			for i < len(s) {
				j := p.Next(s, i)
				if j <= i || j > len(s) {
					t.Fatalf("%s.Next(%q, %d) = %d", p, s, i, j)
				}
				i = j
			}
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func cut(s string, ls []int) []string {
	var out []string
	for _, l := range ls {
		if l > len(s) {
			l = len(s)
		}
		out = append(out, s[:l])
		s = s[l:]
	}
	return out
}
