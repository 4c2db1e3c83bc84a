//go:build unix

package benchmarks

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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

// textprepCPU returns the CPU time the process has used, user and system,
// in seconds. The benchmarks report throughput per CPU second beside the
// usual wall-clock figure, because the CPU time of a single-threaded
// benchmark is much less disturbed by other work on a shared machine;
// textprep_ref.py reports time.process_time figures the same way.
func textprepCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// textprepBenchWords reports words/s of fn over the vocabulary.
func textprepBenchWords(b *testing.B, fn func(string) string) {
	words := textprepVocabulary(b)
	fn(words[0]) // load data outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	cpu := textprepCPU()
	for i := 0; i < b.N; i++ {
		for _, w := range words {
			fn(w)
		}
	}
	cpu = textprepCPU() - cpu
	b.ReportMetric(float64(b.N*len(words))/b.Elapsed().Seconds(), "words/s")
	b.ReportMetric(float64(b.N*len(words))/cpu, "words/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// textprepBenchText reports MB/s of fn over the mixed text.
func textprepBenchText(b *testing.B, fn func(string) string) {
	fn(textprepText) // build lookup tables outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	cpu := textprepCPU()
	for i := 0; i < b.N; i++ {
		fn(textprepText)
	}
	cpu = textprepCPU() - cpu
	b.ReportMetric(float64(b.N*len(textprepText))/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(b.N*len(textprepText))/cpu/1e6, "MB/cpu-s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkTextprep(b *testing.B) {
	b.Run("porter-nltk", func(b *testing.B) { textprepBenchWords(b, stem.Porter{}.Stem) })
	b.Run("porter-original", func(b *testing.B) { textprepBenchWords(b, stem.Porter{Mode: stem.OriginalAlgorithm}.Stem) })
	b.Run("english", func(b *testing.B) { textprepBenchWords(b, stem.English{}.Stem) })
	b.Run("lemma-noun-verb", func(b *testing.B) {
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
