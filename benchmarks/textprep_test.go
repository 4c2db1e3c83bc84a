package benchmarks

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goformer/goformer/tokenize/lemma"
	"github.com/goformer/goformer/tokenize/stem"
	"github.com/goformer/goformer/tokenize/text"
)

// The text-preprocessing benchmarks run on two workloads that
// benchmarks/reference/textprep_ref.py rebuilds exactly:
//
//   - words: the 59,845 words of Snowball's English and Porter vocabularies
//     (tokenize/stem/testdata), every word once, so no cache can help;
//   - text: textprepTemplate repeated 4,500 times (1.3 MB): English with
//     numbers, accented Latin, Greek, Cyrillic, CJK and emoji.
//
// benchmarks/reference/textprep_compare.sh alternates them with the Python
// references (nltk 3.8, PyStemmer 2.2 = libstemmer C, CPython's str and
// unicodedata) and prints every figure.

const textprepTemplate = "The 3 quick brown foxes jumped over 1,250 lazy dogs in 1999; " +
	"Ångström's café served crème brûlée for $4.50.  Η γρήγορη καφέ αλεπού.\t" +
	"Съешь же ещё этих мягких французских булок. 敏捷的棕色狐狸跳过了懒狗。 😀👍\n"

var (
	textprepOnce  sync.Once
	textprepWords []string
	textprepText  = strings.Repeat(textprepTemplate, 4500)
)

// textprepVocabulary returns the words of the Snowball vocabularies.
func textprepVocabulary(b *testing.B) []string {
	textprepOnce.Do(func() {
		for _, name := range []string{"snowball_english.tsv.gz", "snowball_porter.tsv.gz"} {
			f, err := os.Open(filepath.Join("..", "tokenize", "stem", "testdata", name))
			if err != nil {
				b.Fatal(err)
			}
			zr, err := gzip.NewReader(f)
			if err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(zr)
			for sc.Scan() {
				w, _, _ := strings.Cut(sc.Text(), "\t")
				textprepWords = append(textprepWords, w)
			}
			f.Close()
		}
	})
	if len(textprepWords) != 59845 {
		b.Fatalf("read %d words, want 59845", len(textprepWords))
	}
	return textprepWords
}

// textprepBenchWords reports words/s of fn over the vocabulary.
func textprepBenchWords(b *testing.B, fn func(string) string) {
	words := textprepVocabulary(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, w := range words {
			fn(w)
		}
	}
	b.ReportMetric(float64(b.N*len(words))/b.Elapsed().Seconds(), "words/s")
	b.ReportMetric(0, "ns/op")
}

// textprepBenchText reports MB/s of fn over the mixed text.
func textprepBenchText(b *testing.B, fn func(string) string) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		fn(textprepText)
	}
	b.ReportMetric(float64(b.N*len(textprepText))/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkTextprep(b *testing.B) {
	b.Run("porter-nltk", func(b *testing.B) { textprepBenchWords(b, stem.Porter{}.Stem) })
	b.Run("porter-original", func(b *testing.B) { textprepBenchWords(b, stem.Porter{Mode: stem.OriginalAlgorithm}.Stem) })
	b.Run("english", func(b *testing.B) { textprepBenchWords(b, stem.English{}.Stem) })
	b.Run("lemma-noun-verb", func(b *testing.B) {
		lemma.Lemmatize("warm", lemma.Noun) // load the data outside the timing
		textprepBenchWords(b, func(w string) string {
			lemma.Lemmatize(w, lemma.Noun)
			return lemma.Lemmatize(w, lemma.Verb)
		})
	})
	b.Run("lower", func(b *testing.B) { textprepBenchText(b, text.Lower) })
	b.Run("casefold", func(b *testing.B) { textprepBenchText(b, text.Fold) })
	b.Run("nfc", func(b *testing.B) { textprepBenchText(b, text.NFC) })
	b.Run("nfd", func(b *testing.B) { textprepBenchText(b, text.NFD) })
	b.Run("nfkc", func(b *testing.B) { textprepBenchText(b, text.NFKC) })
	b.Run("strip-accents", func(b *testing.B) { textprepBenchText(b, text.StripAccents) })
}
