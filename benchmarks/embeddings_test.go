package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/fasttext"
	"github.com/goformer/goformer/embed/glove"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/word2vec"
	"github.com/goformer/goformer/embed/wordvec"
)

// The word-embedding benchmarks train on the text named by
// GOFORMER_EMBED_CORPUS (benchmarks/reference/embeddings_corpus.py builds
// the 10.6 MB State of the Union corpus that the comparison with fastText
// and gensim uses), or on the 350 KB sample shipped in embed/sotu.
// GOFORMER_EMBED_THREADS sets the thread count (default GOMAXPROCS) and
// GOFORMER_EMBED_EPOCHS the passes (default 5). Settings follow
// benchmarks/reference/embeddings_compare.sh: dim 100, window 5,
// 5 negatives, min count 5, sub-sampling 1e-4. words/s counts the
// vocabulary words read over all epochs, divided by the training time
// (vocabulary counting excluded, as fastText and gensim report it).

func embeddingsText(b *testing.B) (*corpus.Text, *corpus.Vocab) {
	b.Helper()
	text := corpus.FromString(sotu.Sample)
	if path := os.Getenv("GOFORMER_EMBED_CORPUS"); path != "" {
		t, err := corpus.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { t.Close() })
		text = t
	}
	v, err := corpus.Count(context.Background(), text, corpus.CountOptions{MinCount: 5})
	if err != nil {
		b.Fatal(err)
	}
	return text, v
}

func embeddingsEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func embeddingsThreads() int {
	return embeddingsEnvInt("GOFORMER_EMBED_THREADS", runtime.GOMAXPROCS(0))
}

func BenchmarkWord2Vec(b *testing.B) {
	text, v := embeddingsText(b)
	for _, arch := range []word2vec.Arch{word2vec.SkipGram, word2vec.CBOW} {
		b.Run(arch.String(), func(b *testing.B) {
			opt := word2vec.DefaultOptions()
			opt.Arch = arch
			if arch == word2vec.CBOW {
				opt.LR = 0.05
			}
			opt.Sample = 1e-4
			opt.Epochs = embeddingsEnvInt("GOFORMER_EMBED_EPOCHS", 5)
			opt.Threads = embeddingsThreads()
			var words int64
			var secs float64
			for b.Loop() {
				m, err := word2vec.TrainVocab(context.Background(), text, v, opt)
				if err != nil {
					b.Fatal(err)
				}
				words += m.Words
				secs += m.Elapsed.Seconds()
			}
			b.ReportMetric(float64(words)/secs, "words/s")
		})
	}
}

func BenchmarkFastText(b *testing.B) {
	text, v := embeddingsText(b)
	for _, model := range []fasttext.ModelName{fasttext.SkipGram, fasttext.CBOW} {
		b.Run(model.String(), func(b *testing.B) {
			opt := fasttext.DefaultOptions()
			opt.Model = model
			opt.Epochs = embeddingsEnvInt("GOFORMER_EMBED_EPOCHS", 5)
			opt.Threads = embeddingsThreads()
			var words int64
			var secs float64
			for b.Loop() {
				m, err := fasttext.TrainVocab(context.Background(), text, v, opt)
				if err != nil {
					b.Fatal(err)
				}
				st := m.Stats()
				words += st.Words
				secs += st.Elapsed.Seconds()
			}
			b.ReportMetric(float64(words)/secs, "words/s")
		})
	}
}

func BenchmarkGloVe(b *testing.B) {
	text, v := embeddingsText(b)
	opt := glove.DefaultOptions()
	opt.Epochs = 1
	opt.Threads = embeddingsThreads()
	c, err := glove.Count(context.Background(), text, v, glove.CountOptions{Window: opt.Window})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var recs int64
	var secs float64
	for b.Loop() {
		m, err := glove.Fit(context.Background(), c, opt)
		if err != nil {
			b.Fatal(err)
		}
		recs += c.Len()
		secs += m.Elapsed.Seconds()
	}
	b.ReportMetric(float64(recs)/secs, "pairs/s")
}

// BenchmarkNearest finds the 10 nearest of 100,000 random 100-dimensional
// vectors by cosine (exact: every row is scored).
func BenchmarkNearest(b *testing.B) {
	const n, dim = 100_000, 100
	r := rand.New(rand.NewPCG(1, 2))
	words := make([]string, n)
	data := make([]float32, n*dim)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	t := wordvec.New(words, dim, data)
	q := t.Row(12345)
	t.NearestTo(q, 10) // normalise the rows once, outside the timing
	b.ReportAllocs()
	for b.Loop() {
		if ns := t.NearestTo(q, 10, 12345); len(ns) != 10 {
			b.Fatal("short result")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
}
