package tokenize

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/internal/progressreader"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// WordCounts maps each word (a pre-tokenized piece) to its number of
// occurrences.
type WordCounts map[string]int

// CountWords reads text and counts the words the tokenizer's normalizer
// and pre-tokenizer cut it into, line by line with line endings kept, as
// Hugging Face's trainers read files. Added tokens are not recognized. The
// text is streamed: memory grows with the number of distinct words, not
// with the input; lines are spread over all cores.
func (t *Tokenizer) CountWords(r io.Reader) (WordCounts, error) {
	const batchBytes = 1 << 20
	workers := runtime.GOMAXPROCS(0)
	batches := make(chan []string, workers)
	results := make(chan WordCounts, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts := WordCounts{}
			for b := range batches {
				for _, line := range b {
					t.countLine(line, counts)
				}
			}
			results <- counts
		}()
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var readErr error
	var batch []string
	size := 0
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			batch = append(batch, line)
			size += len(line)
			if size >= batchBytes {
				batches <- batch
				batch, size = nil, 0
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
	}
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	go func() { wg.Wait(); close(results) }()
	total := WordCounts{}
	for c := range results {
		if len(total) == 0 {
			total = c
			continue
		}
		for w, n := range c {
			total[w] += n
		}
	}
	if readErr != nil {
		return nil, fmt.Errorf("count words: %w", readErr)
	}
	return total, nil
}

// countWords is CountWords reporting the bytes read to progress (nil:
// nowhere).
func (t *Tokenizer) countWords(r io.Reader, progress io.Writer) (WordCounts, error) {
	if progress == nil {
		return t.CountWords(r)
	}
	pr := progressreader.New(r, progress, "count words")
	counts, err := t.CountWords(pr)
	if err == nil {
		pr.Finish()
	}
	return counts, err
}

// countLine adds the words of one line to counts.
func (t *Tokenizer) countLine(line string, counts WordCounts) {
	if t.Normalizer == nil {
		if bl, ok := t.PreTokenizer.(ByteLevel); ok {
			// Byte-level fast path: split the raw line.
			if bl.AddPrefixSpace && !strings.HasPrefix(line, " ") {
				line = " " + line
			}
			p := bl.Pattern
			for i := 0; i < len(line); {
				j := len(line)
				if p != 0 {
					j = p.Next(line, i)
				}
				counts[line[i:j]]++
				i = j
			}
			return
		}
	}
	n := Normalized{text: line}
	if t.Normalizer != nil {
		t.Normalizer.Normalize(&n)
	}
	pt := PreTokenized{Pieces: []Piece{{Normalized: n}}}
	if t.PreTokenizer != nil {
		t.PreTokenizer.PreTokenize(&pt)
	}
	for _, pc := range pt.Pieces {
		if pc.text != "" {
			counts[pc.text]++
		}
	}
}

// TrainBPE trains a BPE model on text and makes it the tokenizer's model,
// adding the trainer's special tokens as special added tokens. With a
// ByteLevel pre-tokenizer the model is byte-level. The tokenizer's
// normalizer and pre-tokenizer should be set first.
//
// Settings it cannot train with are errors (bpe.ErrBadTrainerConfig),
// reported before the text is read where they do not depend on it. With
// cfg.Progress set, reading the text and merging report their progress
// there.
func (t *Tokenizer) TrainBPE(r io.Reader, cfg bpe.TrainerConfig) error {
	if t.PreTokenizer != nil && hasByteLevel(t.PreTokenizer) {
		cfg.ByteLevel = true
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	counts, err := t.countWords(r, cfg.Progress)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return ErrNoText
	}
	m, err := bpe.Train(counts, cfg)
	if err != nil {
		return err
	}
	t.Model = BPE{m}
	t.addTrainedSpecials(cfg.SpecialTokens)
	return nil
}

// WordPieceTrainerConfig configures TrainWordPiece; the zero value takes
// Hugging Face's WordPieceTrainer defaults (30,000 tokens, prefix "##").
type WordPieceTrainerConfig struct {
	VocabSize       int
	MinFrequency    int
	SpecialTokens   []string
	LimitAlphabet   int
	InitialAlphabet []rune
	// ContinuingSubwordPrefix defaults to "##".
	ContinuingSubwordPrefix string
	// UnkToken defaults to "[UNK]"; put it in SpecialTokens so that the
	// vocabulary has it.
	UnkToken string
	// Progress, when not nil, receives the progress of reading the text
	// and of growing the vocabulary (a bar on a terminal, lines elsewhere).
	Progress io.Writer
}

func (c WordPieceTrainerConfig) bpeConfig() bpe.TrainerConfig {
	return bpe.TrainerConfig{
		VocabSize: c.VocabSize, MinFrequency: c.MinFrequency, SpecialTokens: c.SpecialTokens,
		LimitAlphabet: c.LimitAlphabet, InitialAlphabet: c.InitialAlphabet,
		ContinuingSubwordPrefix: c.ContinuingSubwordPrefix, Progress: c.Progress,
	}
}

// TrainWordPiece trains a WordPiece vocabulary as Hugging Face does (BPE
// training with a continuation prefix, the BPE vocabulary becoming the
// WordPiece vocabulary) and makes it the tokenizer's model. Bad settings
// are errors (bpe.ErrBadTrainerConfig), as for TrainBPE.
func (t *Tokenizer) TrainWordPiece(r io.Reader, cfg WordPieceTrainerConfig) error {
	if cfg.ContinuingSubwordPrefix == "" {
		cfg.ContinuingSubwordPrefix = "##"
	}
	if err := cfg.bpeConfig().Validate(); err != nil {
		return err
	}
	counts, err := t.countWords(r, cfg.Progress)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return ErrNoText
	}
	m, err := bpe.Train(counts, cfg.bpeConfig())
	if err != nil {
		return err
	}
	wm, err := wordpiece.New(m.Vocab(), wordpiece.Options{UnkToken: cfg.UnkToken, ContinuingSubwordPrefix: cfg.ContinuingSubwordPrefix})
	if err != nil {
		return err
	}
	t.Model = WordPiece{wm}
	t.addTrainedSpecials(cfg.SpecialTokens)
	return nil
}

func (t *Tokenizer) addTrainedSpecials(specials []string) {
	for _, s := range specials {
		if id, ok := t.Model.TokenToID(s); ok {
			t.addToken(AddedToken{Content: s, ID: id, Special: true}, true)
		}
	}
	t.added.rebuild()
}

// ErrNoText: training found no words in its input.
var ErrNoText = errors.New("tokenize: no words to train on")
