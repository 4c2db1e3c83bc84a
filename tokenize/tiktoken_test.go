package tokenize

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

type tiktokenDoc struct {
	Name          string `json:"name"`
	B64           string `json:"b64"`
	R50K          []int  `json:"r50k"`
	CL100K        []int  `json:"cl100k"`
	O200K         []int  `json:"o200k"`
	R50KSpecial   []int  `json:"r50k_special"`
	CL100KSpecial []int  `json:"cl100k_special"`
	O200KSpecial  []int  `json:"o200k_special"`
}

func loadTiktokenDocs(t testing.TB) []tiktokenDoc {
	t.Helper()
	f, err := os.Open("testdata/tiktoken_compact.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fx struct{ Docs []tiktokenDoc }
	if err := json.NewDecoder(zr).Decode(&fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Docs) < 1000 {
		t.Fatalf("fixture has %d documents", len(fx.Docs))
	}
	return fx.Docs
}

// replaceInvalid replaces each byte that does not start a valid UTF-8
// encoding with U+FFFD, as the fixture generator does before calling
// tiktoken (JavaScript strings cannot hold invalid UTF-8).
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			b.WriteRune(r)
		} else {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

type tiktokenCase struct {
	name    string
	tok     func() *Tokenizer
	ids     func(tiktokenDoc) []int
	special func(tiktokenDoc) []int
}

var tiktokenCases = []tiktokenCase{
	{"r50k_base", R50K, func(d tiktokenDoc) []int { return d.R50K }, func(d tiktokenDoc) []int { return d.R50KSpecial }},
	{"cl100k_base", CL100K, func(d tiktokenDoc) []int { return d.CL100K }, func(d tiktokenDoc) []int { return d.CL100KSpecial }},
	{"o200k_base", O200K, func(d tiktokenDoc) []int { return d.O200K }, func(d tiktokenDoc) []int { return d.O200KSpecial }},
}

func TestEncodeMatchesTiktokenOnTheMixedCorpus(t *testing.T) {
	docs := loadTiktokenDocs(t)
	for _, c := range tiktokenCases {
		t.Run(c.name, func(t *testing.T) {
			tok := c.tok()
			ordinary := EncodeOptions{SpecialText: SpecialAsText} // tiktoken's encode_ordinary
			bad := 0
			for _, d := range docs {
				raw, _ := base64.StdEncoding.DecodeString(d.B64)
				text := replaceInvalid(string(raw))
				want := c.ids(d)
				fast, err := tok.AppendIDsWith(nil, text, ordinary)
				if err != nil {
					t.Fatal(err)
				}
				full, err := tok.EncodeOrdinary(text)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(fast, want) || !equalInts(full.IDs, want) {
					bad++
					if bad <= 3 {
						t.Errorf("%s: %q\nEncodeIDs %v\nEncode    %v\nwant      %v", d.Name, text, fast, full.IDs, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d documents differ from tiktoken", bad, len(docs))
			}
		})
	}
}

func TestSpecialTokensInTextMatchTiktokenAllowedSpecial(t *testing.T) {
	docs := loadTiktokenDocs(t)
	for _, c := range tiktokenCases {
		found := false
		for _, d := range docs {
			want := c.special(d)
			if want == nil {
				continue
			}
			found = true
			raw, _ := base64.StdEncoding.DecodeString(d.B64)
			// tiktoken's encode(text, allowed_special="all").
			got, err := c.tok().AppendIDsWith(nil, string(raw), EncodeOptions{SpecialText: SpecialMatch})
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(got, want) {
				t.Errorf("%s %s: got %v, want %v", c.name, d.Name, got, want)
			}
		}
		if !found {
			t.Errorf("%s: no document with special tokens in the fixture", c.name)
		}
	}
}

func TestDecodeRestoresEveryByteOfTheCorpus(t *testing.T) {
	docs := loadTiktokenDocs(t)
	for _, c := range tiktokenCases {
		tok := c.tok()
		for _, d := range docs {
			raw, _ := base64.StdEncoding.DecodeString(d.B64)
			ids, err := tok.AppendIDsWith(nil, string(raw), EncodeOptions{SpecialText: SpecialMatch})
			if err != nil {
				t.Fatal(err)
			}
			back, err := tok.Decode(ids, false)
			if err != nil {
				t.Fatal(err)
			}
			if back != string(raw) {
				t.Errorf("%s %s: decode(encode(s)) = %q, want %q", c.name, d.Name, back, raw)
			}
		}
	}
}

func TestEncodeMatchesTheGoldenTestPlans(t *testing.T) {
	f, err := os.Open("testdata/TestPlans.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	toks := map[string]*Tokenizer{"r50k_base": R50K(), "cl100k_base": CL100K(), "o200k_base": O200K()}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var enc, sample string
	checked := 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "EncodingName: "):
			enc = strings.TrimPrefix(line, "EncodingName: ")
		case strings.HasPrefix(line, "Sample: "):
			sample = strings.TrimPrefix(line, "Sample: ")
		case strings.HasPrefix(line, "Encoded: "):
			tok, ok := toks[enc]
			if !ok {
				continue // p50k is not shipped
			}
			var want []int
			for _, f := range strings.FieldsFunc(strings.Trim(strings.TrimPrefix(line, "Encoded: "), "[]"), func(r rune) bool { return r == ',' || r == ' ' }) {
				v, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("bad id %q", f)
				}
				want = append(want, v)
			}
			got, err := tok.EncodeIDs(sample)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(got, want) {
				t.Errorf("%s %q: got %v, want %v", enc, sample, got, want)
			}
			checked++
		}
	}
	if checked < 180 {
		t.Errorf("checked only %d samples", checked)
	}
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
