package bpe

import (
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/pattern"
)

func loadCompactModel(t testing.TB, name string) *Model {
	t.Helper()
	f, err := os.Open("../data/" + name + ".ranks.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadCompact(zr)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var models = map[string]*Model{}
var modelsMu sync.Mutex

func model(t testing.TB, name string) *Model {
	modelsMu.Lock()
	defer modelsMu.Unlock()
	if m, ok := models[name]; ok {
		return m
	}
	m := loadCompactModel(t, name)
	models[name] = m
	return m
}

type tiktokenDoc struct {
	Name   string `json:"name"`
	B64    string `json:"b64"`
	R50K   []int  `json:"r50k"`
	CL100K []int  `json:"cl100k"`
	O200K  []int  `json:"o200k"`
}

func loadTiktokenFixture(t testing.TB) []tiktokenDoc {
	t.Helper()
	f, err := os.Open("../testdata/tiktoken_compact.json.gz")
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
	return fx.Docs
}

// replaceInvalid replaces each byte that does not start a valid UTF-8
// encoding with U+FFFD, as the fixture generator does before calling
// tiktoken.
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

func encodeText(m *Model, p pattern.Pattern, s string) []int {
	var ids []int
	for i := 0; i < len(s); {
		j := p.Next(s, i)
		ids = m.AppendIDs(ids, s[i:j])
		i = j
	}
	return ids
}

func TestRankedModelsMatchTiktokenOnTheMixedCorpus(t *testing.T) {
	docs := loadTiktokenFixture(t)
	cases := []struct {
		enc  string
		p    pattern.Pattern
		want func(d tiktokenDoc) []int
	}{
		{"r50k_base", pattern.GPT2, func(d tiktokenDoc) []int { return d.R50K }},
		{"cl100k_base", pattern.CL100K, func(d tiktokenDoc) []int { return d.CL100K }},
		{"o200k_base", pattern.O200K, func(d tiktokenDoc) []int { return d.O200K }},
	}
	for _, c := range cases {
		t.Run(c.enc, func(t *testing.T) {
			m := model(t, c.enc)
			bad, total := 0, 0
			for _, d := range docs {
				raw, _ := base64.StdEncoding.DecodeString(d.B64)
				got := encodeText(m, c.p, replaceInvalid(string(raw)))
				want := c.want(d)
				total += len(want)
				if !equal(got, want) {
					bad++
					if bad <= 3 {
						t.Errorf("%s: %q\n got %v\nwant %v", d.Name, replaceInvalid(string(raw)), got, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d documents differ", bad, len(docs))
			}
			t.Logf("%d documents, %d tokens", len(docs), total)
		})
	}
}

func equal(a, b []int) bool {
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
