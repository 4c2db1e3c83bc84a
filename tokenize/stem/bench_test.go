package stem

import (
	"testing"
)

// benchWords returns the Snowball English vocabulary, a realistic mix of
// word lengths and suffixes.
func benchWords(b *testing.B) []string {
	rows := readTSVGz(b, "testdata/snowball_english.tsv.gz")
	words := make([]string, len(rows))
	for i, r := range rows {
		words[i] = r[0]
	}
	return words
}

// benchStem reports words/s and MB/s for stem over the vocabulary.
func benchStem(b *testing.B, words []string, stem func(string) string) {
	n := 0
	for _, w := range words {
		n += len(w)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, w := range words {
			stem(w)
		}
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*len(words))/s, "words/s")
	b.ReportMetric(float64(b.N*n)/s/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPorter(b *testing.B) {
	words := benchWords(b)
	for _, m := range []PorterMode{NLTKExtensions, MartinExtensions, OriginalAlgorithm} {
		p := Porter{Mode: m}
		b.Run(m.String(), func(b *testing.B) { benchStem(b, words, p.Stem) })
	}
}

func BenchmarkEnglish(b *testing.B) {
	benchStem(b, benchWords(b), English{}.Stem)
}
