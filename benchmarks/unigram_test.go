package benchmarks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"

	"github.com/goformer/goformer/tokenize/unigram"
)

// unigramCorpus returns the corpus (see sotuLines), one line per address,
// as benchmarks/reference/unigram_encode.py reads it.
func unigramCorpus(b *testing.B) []string {
	lines, _ := sotuLines(b)
	return lines
}

// unigramCPUTime returns the CPU time (user and system) of the process so
// far, in seconds.
func unigramCPUTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func unigramModel(b *testing.B, name string) *unigram.Model {
	b.Helper()
	m, err := unigram.LoadFile(filepath.Join("..", "tokenize", "unigram", "testdata", name+".model"))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// unigramEncodeBench encodes the SOTU corpus with a SentencePiece model in
// one goroutine and reports MB/s of input and tokens/s.
func unigramEncodeBench(b *testing.B, model string) {
	m := unigramModel(b, model)
	lines := unigramCorpus(b)
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	ids := make([]int, 0, 1<<16)
	tokens := 0
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := unigramCPUTime()
	for range b.N {
		tokens = 0
		for _, l := range lines {
			ids = m.AppendIDs(ids[:0], l)
			tokens += len(ids)
		}
	}
	cpu := unigramCPUTime() - cpu0
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	// On a shared machine the CPU time of the process is steadier than
	// the wall time; the reference script reports the same figure.
	b.ReportMetric(float64(size)*float64(b.N)/cpu/1e6, "cpuMB/s")
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// unigramEncodeParallelBench encodes the corpus on all cores, the lines
// shared out to GOMAXPROCS goroutines.
func unigramEncodeParallelBench(b *testing.B, model string) {
	m := unigramModel(b, model)
	lines := unigramCorpus(b)
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	workers := runtime.GOMAXPROCS(0)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				ids := make([]int, 0, 1<<16)
				for i := w; i < len(lines); i += workers {
					ids = m.AppendIDs(ids[:0], lines[i])
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
}

// BenchmarkUnigramEncode is the Unigram case of the tokenizer comparison:
// sotu4k is a model of vocabulary 4000 trained by sentencepiece on SOTU
// (nmt_nfkc), albert30k is ALBERT's 30k-clean.model. Compare with
// benchmarks/reference/unigram_encode.py on the same models and corpus.
func BenchmarkUnigramEncode(b *testing.B) {
	for _, c := range []struct{ name, model string }{
		{"sotu4k", "sotu_nfkc_4k"},
		{"albert30k", "albert_30k_clean"},
	} {
		b.Run(c.name, func(b *testing.B) { unigramEncodeBench(b, c.model) })
		b.Run(c.name+"/parallel", func(b *testing.B) { unigramEncodeParallelBench(b, c.model) })
	}
}

// BenchmarkUnigramTrain trains a vocabulary with sentencepiece's default
// settings (nmt_nfkc normalization, taken from a fixture model), as
// benchmarks/reference/unigram_train.py does with sentencepiece: 8000
// pieces on the file GOFORMER_BENCH_UNIGRAM_TRAIN names (unigram_train.py
// writes it: the SOTU sentences twice, about 20 MB), or, without it, 1000
// pieces on the shipped sample tokenize/unigram/testdata/sotu_small.txt.
// threads16 sums in the order of sentencepiece's default 16 threads (and
// gives its exact vocabulary); both run on all cores.
func BenchmarkUnigramTrain(b *testing.B) {
	path, vocab := shippedSOTU, int32(1000)
	if p := os.Getenv("GOFORMER_BENCH_UNIGRAM_TRAIN"); p != "" {
		path, vocab = p, 8000
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatalf("%v (benchmarks/reference/unigram_train.py writes the corpus)", err)
	}
	ref := unigramModel(b, "sotu_nfkc_4k")
	for _, threads := range []int32{16, 2} {
		b.Run(fmt.Sprintf("threads%d", threads), func(b *testing.B) {
			cfg := unigram.DefaultTrainerConfig()
			cfg.Normalizer = ref.Proto().Normalizer
			cfg.Trainer.VocabSize = vocab
			cfg.Trainer.NumThreads = threads
			b.SetBytes(int64(len(data)))
			cpu0 := unigramCPUTime()
			for range b.N {
				m, err := unigram.Train(bytes.NewReader(data), cfg)
				if err != nil {
					b.Fatal(err)
				}
				if m.VocabSize() != int(vocab) {
					b.Fatalf("vocab size %d", m.VocabSize())
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/model")
			b.ReportMetric((unigramCPUTime()-cpu0)/float64(b.N), "cpu-s/model")
			b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		})
	}
}
