//go:build long

package tokenize

// Long checks, run with `go test -tags long -run Long -timeout 30m ./tokenize/`
// after building their data (not committed: 90 MB) with
//
//	NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/tiktoken_fixtures.js --long .scratch/tokenize/long
//	NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/train_fixtures.js --long .scratch/tokenize/long
//
// (or set GOFORMER_TOKENIZE_LONG to another folder).

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
)

func longDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GOFORMER_TOKENIZE_LONG")
	if dir == "" {
		dir = filepath.Join("..", ".scratch", "tokenize", "long")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Fatalf("long-test data missing in %s: build it with tokenize/testdata/gen/tiktoken_fixtures.js --long and train_fixtures.js --long (%v)", dir, err)
	}
	return dir
}

func TestLongTiktokenParityOnTheLargeCorpus(t *testing.T) {
	dir := longDir(t)
	corpus, err := os.ReadFile(filepath.Join(dir, "corpus.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Tiktoken string
		Docs     []struct {
			Name                string
			Len                 int
			R50K, CL100K, O200K int
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if len(corpus) < 5<<20 {
		t.Fatalf("corpus has %d bytes, want at least 5 MB", len(corpus))
	}
	for _, c := range []struct {
		name string
		tok  *Tokenizer
		n    func(i int) int
	}{
		{"r50k", R50K(), func(i int) int { return index.Docs[i].R50K }},
		{"cl100k", CL100K(), func(i int) int { return index.Docs[i].CL100K }},
		{"o200k", O200K(), func(i int) int { return index.Docs[i].O200K }},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "ids_"+c.name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			off, idOff := 0, 0
			docs, tokens, mismatched, invalid := 0, 0, 0, 0
			start := time.Now()
			for i, d := range index.Docs {
				doc := string(corpus[off : off+d.Len])
				off += d.Len
				n := c.n(i)
				want := make([]int, n)
				for k := range want {
					want[k] = int(binary.LittleEndian.Uint32(raw[4*(idOff+k):]))
				}
				idOff += n
				got, err := c.tok.AppendIDsWith(nil, replaceInvalid(doc), EncodeOptions{SpecialText: SpecialAsText})
				if err != nil {
					t.Fatal(err)
				}
				docs++
				tokens += n
				if !equalInts(got, want) {
					mismatched++
					if mismatched <= 3 {
						t.Errorf("%s differs from tiktoken", d.Name)
					}
				}
				// The raw bytes, invalid UTF-8 included, round-trip.
				ids, _ := c.tok.EncodeIDs(doc)
				back, err := c.tok.Decode(ids, false)
				if err != nil || back != doc {
					t.Errorf("%s does not round-trip", d.Name)
				}
				if doc != replaceInvalid(doc) {
					invalid++
				}
			}
			t.Logf("%d documents (%d with invalid UTF-8), %d bytes, %d tiktoken %s tokens: %d mismatched documents (%v)",
				docs, invalid, len(corpus), tokens, index.Tiktoken, mismatched, time.Since(start).Round(time.Millisecond))
			if mismatched > 0 {
				t.Errorf("%d documents differ", mismatched)
			}
		})
	}
}

func TestLongBERTParityOnTheLargeCorpus(t *testing.T) {
	dir := longDir(t)
	corpus, err := os.ReadFile(filepath.Join(dir, "corpus.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Docs []struct {
			Name string
			Len  int
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	var bertIndex struct {
		Tokenizers string
		Counts     map[string][]int
	}
	b, err = os.ReadFile(filepath.Join(dir, "bert_index.json"))
	if err != nil {
		t.Fatalf("%v: build it with tokenize/testdata/gen/wordpiece_fixtures.js --long", err)
	}
	if err := json.Unmarshal(b, &bertIndex); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tok  *Tokenizer
	}{{"uncased", BERTUncased()}, {"cased", BERTCased()}} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "ids_bert_"+c.name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			counts := bertIndex.Counts[c.name]
			off, idOff, tokens, mismatched := 0, 0, 0, 0
			for i, d := range index.Docs {
				doc := replaceInvalid(string(corpus[off : off+d.Len]))
				off += d.Len
				want := make([]int, counts[i])
				for k := range want {
					want[k] = int(binary.LittleEndian.Uint32(raw[4*(idOff+k):]))
				}
				idOff += counts[i]
				tokens += len(want)
				got, err := c.tok.EncodeIDs(doc)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(got, want) {
					mismatched++
					if mismatched <= 3 {
						t.Errorf("%s differs from Hugging Face", d.Name)
					}
				}
			}
			t.Logf("%d documents, %d bytes, %d Hugging Face tokens (tokenizers %s): %d mismatched documents", len(index.Docs), len(corpus), tokens, bertIndex.Tokenizers, mismatched)
		})
	}
}

func TestLongTrainingParityOnAllAddresses(t *testing.T) {
	dir := longDir(t)
	text, err := os.ReadFile(filepath.Join(dir, "sotu.txt"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) hfTrained {
		var h hfTrained
		b, err := os.ReadFile(filepath.Join(dir, "train_"+name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, c := range []struct {
		name string
		pre  PreTokenizer
	}{{"bpe_bytelevel", ByteLevel{Pattern: pattern.GPT2}}, {"bpe_whitespace", Whitespace{}}} {
		t.Run(c.name, func(t *testing.T) {
			want := load(c.name)
			tok := &Tokenizer{PreTokenizer: c.pre}
			start := time.Now()
			if err := tok.TrainBPE(bytes.NewReader(text), bpe.TrainerConfig{}); err != nil {
				t.Fatal(err)
			}
			got := trainedJSON(t, tok)
			vocabDiff, mergeDiff := 0, -1
			for k, id := range want.Model.Vocab {
				if got.Model.Vocab[k] != id {
					vocabDiff++
				}
			}
			for i := range want.Model.Merges {
				if i >= len(got.Model.Merges) || got.Model.Merges[i] != want.Model.Merges[i] {
					mergeDiff = i
					break
				}
			}
			t.Logf("%d tokens, %d merges in %v; %d vocabulary differences, first merge difference at %d",
				len(got.Model.Vocab), len(got.Model.Merges), time.Since(start).Round(time.Millisecond), vocabDiff, mergeDiff)
			if vocabDiff > 0 || mergeDiff >= 0 || len(got.Model.Merges) != len(want.Model.Merges) {
				t.Error("training differs from Hugging Face")
			}
		})
	}
	t.Run("wordpiece_bert", func(t *testing.T) {
		want := load("wordpiece_bert")
		tok := &Tokenizer{Normalizer: NewBertNormalizer(true), PreTokenizer: BertPreTokenizer{}}
		if err := tok.TrainWordPiece(bytes.NewReader(text), WordPieceTrainerConfig{}); err != nil {
			t.Fatal(err)
		}
		got := trainedJSON(t, tok)
		missing := 0
		for k := range want.Model.Vocab {
			if _, ok := got.Model.Vocab[k]; !ok {
				missing++
			}
		}
		t.Logf("%d of Hugging Face's %d tokens missing (its own runs differ by about 20)", missing, len(want.Model.Vocab))
		if missing > len(want.Model.Vocab)/400 {
			t.Error("too far from Hugging Face")
		}
	})
}

// repeatReader streams text n times, each copy after a line with its
// number, without holding the whole stream.
type repeatReader struct {
	text []byte
	n, i int
	buf  []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.i == r.n {
			return 0, io.EOF
		}
		r.buf = append([]byte(fmt.Sprintf("copy %d\n", r.i)), r.text...)
		r.i++
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	return k, nil
}

func TestLongTrainingStreamsAGigabyte(t *testing.T) {
	dir := longDir(t)
	text, err := os.ReadFile(filepath.Join(dir, "sotu.txt"))
	if err != nil {
		t.Fatal(err)
	}
	copies := (1 << 30) / len(text)
	var peak atomic.Uint64
	stop := make(chan bool)
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	start := time.Now()
	tok := &Tokenizer{PreTokenizer: ByteLevel{Pattern: pattern.GPT2}}
	counts, err := tok.CountWords(&repeatReader{text: text, n: copies})
	if err != nil {
		t.Fatal(err)
	}
	countPeak := peak.Load()
	countTime := time.Since(start)
	m, err := bpe.Train(counts, bpe.TrainerConfig{VocabSize: 30000, ByteLevel: true})
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	total := int64(copies) * int64(len(text))
	t.Logf("counted %d MB (%d distinct words) in %v with peak heap %d MB; trained %d tokens in %v, peak heap %d MB",
		total>>20, len(counts), countTime.Round(time.Second), countPeak>>20, m.Len(), (time.Since(start) - countTime).Round(time.Second), peak.Load()>>20)
	if countPeak > 256<<20 || peak.Load() > 512<<20 {
		t.Errorf("memory is not bounded by the number of distinct words")
	}
}
