package benchmarks

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/unigram"
)

type tokenizeCase struct {
	name string
	tok  func(b *testing.B) *tokenize.Tokenizer
}

func tokenizeCases() []tokenizeCase {
	return []tokenizeCase{
		{"r50k", func(*testing.B) *tokenize.Tokenizer { return tokenize.R50K() }},
		{"cl100k", func(*testing.B) *tokenize.Tokenizer { return tokenize.CL100K() }},
		{"o200k", func(*testing.B) *tokenize.Tokenizer { return tokenize.O200K() }},
		{"wordpiece", func(*testing.B) *tokenize.Tokenizer { return tokenize.BERTUncased() }},
		{"unigram", func(b *testing.B) *tokenize.Tokenizer {
			m, err := unigram.LoadFile(filepath.Join("..", "tokenize", "unigram", "testdata", "albert_30k_clean.model"))
			if err != nil {
				b.Fatal(err)
			}
			return tokenize.FromSentencePiece(m)
		}},
	}
}

// BenchmarkEncode encodes the corpus line by line in one goroutine and
// reports MB/s of input and tokens/s: r50k, cl100k and o200k with the
// shipped tiktoken encodings (ids, as tiktoken returns), wordpiece with
// bert-base-uncased and unigram with ALBERT's SentencePiece model through
// the pipeline (full encodings with [CLS]/[SEP]).
func BenchmarkEncode(b *testing.B) {
	lines, size := sotuLines(b)
	for _, c := range tokenizeCases() {
		b.Run(c.name, func(b *testing.B) {
			tok := c.tok(b)
			ids := make([]int, 0, 1<<16)
			tokens := 0
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				tokens = 0
				for _, l := range lines {
					var err error
					if ids, err = tok.AppendIDs(ids[:0], l); err != nil {
						b.Fatal(err)
					}
					tokens += len(ids)
				}
			}
			b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
			b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkEncodeBatch encodes all lines with EncodeBatch, which spreads
// them over GOMAXPROCS goroutines and builds full encodings (ids, type ids,
// masks, offsets), as Hugging Face's encodeBatch does.
func BenchmarkEncodeBatch(b *testing.B) {
	lines, size := sotuLines(b)
	for _, c := range tokenizeCases() {
		b.Run(c.name, func(b *testing.B) {
			tok := c.tok(b)
			tokens := 0
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				es, err := tok.EncodeBatch(lines)
				if err != nil {
					b.Fatal(err)
				}
				tokens = 0
				for _, e := range es {
					tokens += e.Len()
				}
			}
			b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
			b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "goroutines")
		})
	}
}

// tokenizeTrainCorpus is the training text: the corpus twice, one line
// each (21.5 MB for the whole corpus), as
// benchmarks/reference/tokenize_train.js writes it.
func tokenizeTrainCorpus(b *testing.B) []byte {
	lines, _ := sotuLines(b)
	var buf bytes.Buffer
	for range 2 {
		for _, l := range lines {
			buf.WriteString(l)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// BenchmarkTrainBPE trains a 30,000-token byte-level BPE (GPT-2
// pre-tokenization, Hugging Face's BpeTrainer defaults) on the corpus
// twice (21.5 MB for the whole corpus); the time includes counting words.
func BenchmarkTrainBPE(b *testing.B) {
	data := tokenizeTrainCorpus(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		tok := &tokenize.Tokenizer{PreTokenizer: tokenize.ByteLevel{Pattern: pattern.GPT2}}
		if err := tok.TrainBPE(bytes.NewReader(data), bpe.TrainerConfig{VocabSize: 30000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/train")
}

// BenchmarkTrainWordPiece trains a 30,000-token uncased BERT WordPiece
// vocabulary on the same text.
func BenchmarkTrainWordPiece(b *testing.B) {
	data := tokenizeTrainCorpus(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		tok := &tokenize.Tokenizer{Normalizer: tokenize.NewBertNormalizer(true), PreTokenizer: tokenize.BertPreTokenizer{}}
		if err := tok.TrainWordPiece(bytes.NewReader(data), tokenize.WordPieceTrainerConfig{VocabSize: 30000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/train")
}

// hostileInputs are inputs an attacker can send: a 10 MB run of one letter
// (one pre-tokenized piece for GPT-2's pattern) and one 13.7 MB line of
// prose (the shipped SOTU sample repeated, no newline).
func hostileInputs(b *testing.B) (run, line string) {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "tokenize", "unigram", "testdata", "sotu_small.txt"))
	if err != nil {
		b.Fatal(err)
	}
	prose := strings.ReplaceAll(string(data), "\n", " ")
	const lineSize = 13_700_000
	line = strings.Repeat(prose, lineSize/len(prose)+1)[:lineSize]
	return strings.Repeat("a", 10_000_000), line
}

// BenchmarkHostileInputs encodes the hostile inputs: with GPT-2 (ids, as
// AppendIDs and Encode give them) and with BERT (full encodings). It
// reports MB/s of input; -benchmem gives the bytes allocated per run (the
// memory a request of that size costs).
func BenchmarkHostileInputs(b *testing.B) {
	run, line := hostileInputs(b)
	for _, c := range []struct {
		name   string
		tok    *tokenize.Tokenizer
		text   string
		encode bool
	}{
		{"gpt2-run-10MB/ids", tokenize.GPT2(), run, false},
		{"gpt2-run-10MB/encoding", tokenize.GPT2(), run, true},
		{"bert-line-13.7MB/ids", tokenize.BERTUncased(), line, false},
		{"bert-line-13.7MB/encoding", tokenize.BERTUncased(), line, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			tokens := 0
			for range b.N {
				if c.encode {
					e, err := c.tok.Encode(c.text)
					if err != nil {
						b.Fatal(err)
					}
					tokens = e.Len()
				} else {
					ids, err := c.tok.EncodeIDs(c.text)
					if err != nil {
						b.Fatal(err)
					}
					tokens = len(ids)
				}
			}
			b.ReportMetric(float64(len(c.text))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
			b.ReportMetric(float64(tokens), "tokens")
		})
	}
}
