package lemma

import (
	"bufio"
	"compress/gzip"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestLemmatizeMatchesNLTK(t *testing.T) {
	f, err := os.Open("testdata/lemmas_nltk.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	poses := []POS{Noun, Verb, Adj, Adv, AdjSat}
	n := 0
	bad := map[POS]int{}
	changed := map[POS]int{}
	for sc.Scan() {
		r := strings.Split(sc.Text(), "\t")
		if len(r) != 6 {
			t.Fatalf("bad fixture line %q", sc.Text())
		}
		n++
		for i, pos := range poses {
			want := r[i+1]
			if want == "=" {
				want = r[0]
			} else {
				changed[pos]++
			}
			if got := Lemmatize(r[0], pos); got != want {
				if bad[pos]++; bad[pos] <= 10 {
					t.Errorf("Lemmatize(%q, %v) = %q, nltk gives %q", r[0], pos, got, want)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 350000 {
		t.Fatalf("fixture has %d words, want at least 350000", n)
	}
	for _, pos := range poses {
		t.Logf("%v: %d words, %d lemmatized to another form, %d disagreements", pos, n, changed[pos], bad[pos])
		if bad[pos] > 0 {
			t.Errorf("%v: %d of %d words differ from nltk", pos, bad[pos], n)
		}
	}
}

func TestLemmatize(t *testing.T) {
	tests := []struct {
		name string
		word string
		pos  POS
		want string
	}{
		{"irregular plural from the exception list", "geese", Noun, "goose"},
		{"irregular plural", "mice", Noun, "mouse"},
		{"regular plural", "cats", Noun, "cat"},
		{"-ies plural", "ponies", Noun, "pony"},
		{"-men plural", "firemen", Noun, "fireman"},
		{"word that is its own lemma", "news", Noun, "news"},
		{"shortest lemma wins", "axes", Noun, "ax"},
		{"verb -ing with doubling in the exception list", "running", Verb, "run"},
		{"irregular verb", "was", Verb, "be"},
		{"verb -ed", "walked", Verb, "walk"},
		{"verb -ing restoring e", "making", Verb, "make"},
		{"irregular comparative", "better", Adj, "good"},
		{"regular superlative", "biggest", Adj, "big"},
		{"satellite adjective behaves as adjective", "happier", AdjSat, "happy"},
		{"adverb exception", "farther", Adv, "far"},
		{"equal lengths keep the first, as nltk does", "best", Adv, "best"},
		{"unknown word is returned unchanged", "goformer", Noun, "goformer"},
		{"case-sensitive like nltk", "Dogs", Noun, "Dogs"},
		{"multi-word lemma uses underscores", "ice_creams", Noun, "ice_cream"},
		{"empty word", "", Noun, ""},
		{"invalid UTF-8 is returned unchanged", "\xffs", Noun, "\xffs"},
		{"long chain of suffixes", strings.Repeat("es", 50000), Verb, strings.Repeat("es", 50000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Lemmatize(tc.word, tc.pos); got != tc.want {
				t.Errorf("Lemmatize(%.40q, %v) = %.40q, want %.40q", tc.word, tc.pos, got, tc.want)
			}
		})
	}
}

func TestMorphy(t *testing.T) {
	tests := []struct {
		word string
		pos  POS
		want []string
	}{
		{"axes", Noun, []string{"ax", "axis"}},
		{"best", Adv, []string{"best", "well"}},
		{"dogs", Noun, []string{"dog"}},
		{"saw", Verb, []string{"saw", "see"}},
		{"goformer", Noun, nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, Morphy(tc.word, tc.pos)); diff != "" {
			t.Errorf("Morphy(%q, %v) (-want +got):\n%s", tc.word, tc.pos, diff)
		}
	}
}

func TestParsePOS(t *testing.T) {
	tests := []struct {
		in   string
		want POS
	}{
		{"n", Noun}, {"NOUN", Noun}, {"NNS", Noun}, {"v", Verb}, {"VBD", Verb}, {"verb", Verb},
		{"a", Adj}, {"JJR", Adj}, {"adjective", Adj}, {"s", AdjSat}, {"r", Adv}, {"RB", Adv}, {"adverb", Adv},
	}
	for _, tc := range tests {
		if got, err := ParsePOS(tc.in); err != nil || got != tc.want {
			t.Errorf("ParsePOS(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "DT", "nounish"} {
		if _, err := ParsePOS(bad); err == nil {
			t.Errorf("ParsePOS(%q) accepted a bad name", bad)
		}
	}
}

func TestUnknownPOSPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "unknown part of speech") {
			t.Errorf("recover() = %v, want a panic naming the part of speech", r)
		}
	}()
	Lemmatize("dogs", POS('x'))
}

func TestParseDataRejectsCorruptFiles(t *testing.T) {
	gz := func(s string) []byte {
		var b strings.Builder
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return []byte(b.String())
	}
	good := gz("dog\tn\n")
	tests := []struct {
		name      string
		lem, exc  []byte
		errSubstr string
	}{
		{"not gzip", []byte("plain"), good, "lemmas"},
		{"truncated gzip", good[:len(good)-6], gz(""), "lemmas"},
		{"missing part of speech", gz("dog\n"), gz(""), "bad line"},
		{"unknown part of speech", gz("dog\tq\n"), gz(""), "bad part of speech"},
		{"no final newline", gz("dog\tn"), gz(""), "no newline"},
		{"bad exception line", good, gz("n\tgeese\n"), "exceptions line 1"},
		{"bad exception part of speech", good, gz("q\tgeese\tgoose\n"), "bad part of speech"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseData(tc.lem, tc.exc)
			if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("parseData error = %v, want one containing %q", err, tc.errSubstr)
			}
		})
	}
	if _, err := parseData(good, gz("n\tgeese\tgoose\n")); err != nil {
		t.Errorf("good data: %v", err)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := Lemmatize("geese", Noun); got != "goose" {
				t.Errorf("got %q", got)
			}
		}()
	}
	wg.Wait()
}

func FuzzLemmatize(f *testing.F) {
	for _, s := range []string{"", "geese", "running", "axes", "eseses", "ice_creams", "\xff", "wom" + strings.Repeat("men", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		for _, pos := range []POS{Noun, Verb, Adj, Adv, AdjSat} {
			l := Lemmatize(word, pos)
			if l != word && (!utf8.ValidString(l) || wordnet().lemmas[l]&pos.bit() == 0) {
				t.Fatalf("Lemmatize(%q, %v) = %q, not a %v lemma", word, pos, l, pos)
			}
		}
	})
}

func BenchmarkLemmatize(b *testing.B) {
	words := strings.Fields("the geese were running faster than the mice ate cheeses while children played happily with better toys and walked dogs")
	wordnet()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, w := range words {
			Lemmatize(w, Noun)
			Lemmatize(w, Verb)
		}
	}
	b.ReportMetric(float64(b.N*len(words)*2)/b.Elapsed().Seconds(), "words/s")
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := parseData(lemmasGz, exceptionsGz); err != nil {
			b.Fatal(err)
		}
	}
}
