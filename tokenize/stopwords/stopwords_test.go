package stopwords

import (
	"bufio"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchesNPM(t *testing.T) {
	f, err := os.Open("testdata/remove_npm.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	n, bad := 0, 0
	langs := map[string]bool{}
	for sc.Scan() {
		r := strings.Split(sc.Text(), "\t")
		if len(r) != 3 {
			t.Fatalf("bad fixture line %q", sc.Text())
		}
		s, err := ForLanguage(r[0])
		if err != nil {
			t.Fatal(err)
		}
		langs[r[0]] = true
		n++
		if got, want := s.Contains(r[1]), r[2] == "0"; got != want {
			if bad++; bad <= 20 {
				t.Errorf("%s: Contains(%q) = %v, npm removeStopwords removes it: %v", r[0], r[1], got, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(langs) != len(Languages()) {
		t.Errorf("fixture covers %d lists, the package has %d", len(langs), len(Languages()))
	}
	if n < 30000 || bad > 0 {
		t.Errorf("%d of %d tokens differ from npm stopword", bad, n)
	}
}

func TestForLanguage(t *testing.T) {
	tests := []struct {
		name, lang, code string
	}{
		{"ISO 639-1 code", "en", "eng"},
		{"ISO 639-3 code", "deu", "deu"},
		{"English name in upper case", "FRENCH", "fra"},
		{"Spanish", "es", "spa"},
		{"Chinese", "zh", "zho"},
		{"region subtag with underscore", "pt_BR", "porBr"},
		{"export name", "panGu", "panGu"},
		{"spaces around", " de ", "deu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForLanguage(tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ForLanguage(tc.code)
			if got != want {
				t.Errorf("ForLanguage(%q) is not the %s list", tc.lang, tc.code)
			}
		})
	}
	for _, bad := range []string{"", "klingon", "xx", "english2"} {
		if _, err := ForLanguage(bad); !errors.Is(err, ErrUnknownLanguage) {
			t.Errorf("ForLanguage(%q) error = %v, want ErrUnknownLanguage", bad, err)
		}
	}
}

func TestEveryListLoads(t *testing.T) {
	for _, code := range Languages() {
		s, err := ForLanguage(code)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() < 10 {
			t.Errorf("%s has only %d words", code, s.Len())
		}
		for _, w := range s.Words() {
			if w == "" || strings.ContainsAny(w, "\n\t") {
				t.Errorf("%s has a bad entry %q", code, w)
			}
		}
	}
	if n := len(Languages()); n != 64 {
		t.Errorf("%d lists, want 63 languages and variants plus digits", n)
	}
}

func TestRequiredLanguages(t *testing.T) {
	tests := []struct {
		name    string
		set     *Set
		stop    []string
		notStop []string
	}{
		{"English", English(), []string{"the", "The", "AND", "of"}, []string{"cat", "transformer"}},
		{"German", German(), []string{"und", "der", "Die", "über"}, []string{"Haus", "Katze"}},
		{"French", French(), []string{"le", "et", "Été"}, []string{"maison", "chat"}},
		{"Spanish", Spanish(), []string{"el", "y", "de"}, []string{"casa", "gato"}},
		{"Chinese", Chinese(), []string{"的", "和"}, []string{"猫", "房子"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.stop {
				if !tc.set.Contains(w) {
					t.Errorf("%q is not a stop word", w)
				}
			}
			for _, w := range tc.notStop {
				if tc.set.Contains(w) {
					t.Errorf("%q is a stop word", w)
				}
			}
		})
	}
}

func TestSet(t *testing.T) {
	s := New("Foo", "bar", "", "foo")
	if s.Len() != 2 {
		t.Errorf("Len = %d, want 2 (lower-cased, empty and duplicate dropped)", s.Len())
	}
	if diff := cmp.Diff([]string{"foo", "bar"}, s.Words()); diff != "" {
		t.Errorf("Words (-want +got):\n%s", diff)
	}
	u := s.Union(New("baz"), English())
	if !u.Contains("BAZ") || !u.Contains("the") || !u.Contains("Foo") || s.Contains("baz") {
		t.Error("Union is wrong or changed its receiver")
	}
	got := English().Remove([]string{"The", "cat", "sat", "on", "the", "mat", ""})
	if diff := cmp.Diff([]string{"cat", "sat", "mat", ""}, got); diff != "" {
		t.Errorf("Remove (-want +got):\n%s", diff)
	}
	if got := English().Remove(nil); len(got) != 0 {
		t.Errorf("Remove(nil) = %v", got)
	}
	if English().Contains("\xff") {
		t.Error("invalid UTF-8 is a stop word")
	}
}

func TestConcurrentLookups(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, code := range Languages() {
				s, err := ForLanguage(code)
				if err != nil {
					t.Error(err)
					return
				}
				s.Contains("the")
			}
		}(i)
	}
	wg.Wait()
}

func BenchmarkRemove(b *testing.B) {
	tokens := strings.Fields(strings.Repeat("The quick brown fox jumps over the lazy dog and then it RUNS away from all of them ", 1000))
	en := English()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		en.Remove(tokens)
	}
	b.ReportMetric(float64(b.N*len(tokens))/b.Elapsed().Seconds(), "words/s")
}
