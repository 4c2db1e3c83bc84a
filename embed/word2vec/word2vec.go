// Package word2vec trains word vectors with the skip-gram and CBOW models
// of Mikolov et al. (2013), with negative sampling or hierarchical softmax,
// frequent-word sub-sampling and a linearly decaying learning rate, on all
// cores with lock-free (Hogwild) updates as the original C code does.
//
// Train on a text of whitespace-separated words, one sentence per line:
//
//	text, _ := corpus.Open("corpus.txt")
//	opt := word2vec.DefaultOptions()
//	m, err := word2vec.Train(ctx, text, opt)
//	vectors := m.Vectors() // a *wordvec.Table; wordvec.Save writes .txt/.bin
//
// Threads update the shared matrices without locks, by design: with more
// than one thread results vary from run to run, and the race detector flags
// the updates. Set Options.Threads to 1 for a reproducible run (and under
// the race detector).
package word2vec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/internal/sgd"
	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/internal/vec"
)

// Arch is the model architecture.
type Arch int

const (
	// SkipGram predicts each context word from the centre word.
	SkipGram Arch = iota
	// CBOW predicts the centre word from the mean of its context.
	CBOW
)

// String names the architecture as the command line does.
func (a Arch) String() string {
	switch a {
	case SkipGram:
		return "skipgram"
	case CBOW:
		return "cbow"
	}
	return fmt.Sprintf("Arch(%d)", int(a))
}

// Loss is the output layer.
type Loss int

const (
	// NegativeSampling scores the true word against Negative noise words.
	NegativeSampling Loss = iota
	// HierarchicalSoftmax walks a Huffman tree over the vocabulary.
	HierarchicalSoftmax
)

// String names the loss as the command line does.
func (l Loss) String() string {
	switch l {
	case NegativeSampling:
		return "ns"
	case HierarchicalSoftmax:
		return "hs"
	}
	return fmt.Sprintf("Loss(%d)", int(l))
}

// Options are the training settings. Start from DefaultOptions.
type Options struct {
	Arch Arch
	Loss Loss
	// Dim is the vector length.
	Dim int
	// Window is the largest distance between centre and context word; each
	// centre word draws its window uniformly from 1..Window.
	Window int
	// Negative is the number of noise words per example (negative sampling).
	Negative int
	// NegPower raises counts to this power for the noise distribution.
	NegPower float64
	// Epochs is the number of passes over the text.
	Epochs int
	// MinCount drops rarer words; MaxVocab keeps only the most frequent
	// (0: no limit).
	MinCount int64
	MaxVocab int
	// Sample is the sub-sampling threshold for frequent words (0: off).
	Sample float64
	// LR is the starting learning rate; it falls linearly to LR·1e-4.
	LR float64
	// Threads is the number of training goroutines (0: GOMAXPROCS).
	Threads int
	// Seed fixes initialisation, windows, sub-sampling and noise draws.
	Seed uint64
	// Progress, if set, is called about once a second with the state of
	// training, from one of the training goroutines, and once more at the
	// end with every word done.
	Progress func(Progress)
	// ProgressWriter, if set, receives a progress bar with the rate and
	// the time left (plain lines when it is not a terminal), ending at
	// 100 %.
	ProgressWriter io.Writer
}

// Progress reports training state.
type Progress struct {
	Words    int64   // words processed (all epochs)
	Total    int64   // words to process
	LR       float32 // current learning rate
	Loss     float64 // mean loss per example since the start
	WordsSec float64 // words per second so far
}

// DefaultOptions returns word2vec's defaults for skip-gram with negative
// sampling: dim 100, window 5, 5 negatives, 5 epochs, min count 5,
// sub-sampling 1e-3, learning rate 0.025 (use 0.05 for CBOW).
func DefaultOptions() Options {
	return Options{
		Arch: SkipGram, Loss: NegativeSampling,
		Dim: 100, Window: 5, Negative: 5, NegPower: 0.75, Epochs: 5,
		MinCount: 5, Sample: 1e-3, LR: 0.025, Seed: 1,
	}
}

// ErrOptions is wrapped by errors about invalid options.
var ErrOptions = errors.New("word2vec: invalid options")

// Validate reports the first invalid option, wrapped around ErrOptions.
// Train and TrainVocab call it before any work; zero values are invalid
// where the field's doc gives no meaning to zero (Window, Epochs, LR).
func (o Options) Validate() error {
	switch {
	case o.Arch != SkipGram && o.Arch != CBOW:
		return fmt.Errorf("%w: unknown architecture %d", ErrOptions, o.Arch)
	case o.Loss != NegativeSampling && o.Loss != HierarchicalSoftmax:
		return fmt.Errorf("%w: unknown loss %d", ErrOptions, o.Loss)
	case o.Dim < 1 || o.Dim > 1<<16:
		return fmt.Errorf("%w: Dim %d outside 1..65536", ErrOptions, o.Dim)
	case o.Window < 1:
		return fmt.Errorf("%w: Window %d < 1", ErrOptions, o.Window)
	case o.Loss == NegativeSampling && o.Negative < 1:
		return fmt.Errorf("%w: Negative %d < 1 with negative sampling", ErrOptions, o.Negative)
	case o.Epochs < 1:
		return fmt.Errorf("%w: Epochs %d < 1", ErrOptions, o.Epochs)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("%w: LR %v is not a positive number", ErrOptions, o.LR)
	case !(o.Sample >= 0) || math.IsInf(o.Sample, 0):
		return fmt.Errorf("%w: Sample %v is not 0 (off) or a positive number", ErrOptions, o.Sample)
	case o.Loss == NegativeSampling && (!(o.NegPower >= 0) || math.IsInf(o.NegPower, 0)):
		return fmt.Errorf("%w: NegPower %v is not a number ≥ 0", ErrOptions, o.NegPower)
	case o.MinCount < 0:
		return fmt.Errorf("%w: MinCount %d < 0", ErrOptions, o.MinCount)
	case o.MaxVocab < 0:
		return fmt.Errorf("%w: MaxVocab %d < 0 (0 for no limit)", ErrOptions, o.MaxVocab)
	case o.Threads < 0:
		return fmt.Errorf("%w: Threads %d < 0 (0 for GOMAXPROCS)", ErrOptions, o.Threads)
	}
	return nil
}

// Model is a trained model.
type Model struct {
	Vocab *corpus.Vocab
	Dim   int
	// In holds the word vectors (syn0), Vocab.Len() rows of Dim.
	In []float32
	// Out holds the output weights: noise-word vectors for negative
	// sampling (syn1neg) or inner tree nodes for hierarchical softmax (syn1).
	Out []float32
	// Loss is the mean loss per example over training.
	Loss float64
	// Elapsed is the training time, vocabulary counting excluded.
	Elapsed time.Duration
	// Words is the number of vocabulary words read over all epochs.
	Words int64
}

// Vectors returns the word vectors as a table sharing memory with m.In.
func (m *Model) Vectors() *wordvec.Table {
	return wordvec.New(m.Vocab.Words, m.Dim, m.In)
}

// Train counts the vocabulary of text, then trains on it.
func Train(ctx context.Context, text *corpus.Text, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	v, err := corpus.Count(ctx, text, corpus.CountOptions{MinCount: opt.MinCount, MaxSize: opt.MaxVocab, Threads: opt.Threads})
	if err != nil {
		return nil, fmt.Errorf("word2vec: %w", err)
	}
	return TrainVocab(ctx, text, v, opt)
}

// TrainVocab trains on text with a vocabulary counted beforehand (words of
// the text outside it are ignored).
func TrainVocab(ctx context.Context, text *corpus.Text, v *corpus.Vocab, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if v.Len() == 0 || v.Tokens == 0 {
		return nil, fmt.Errorf("word2vec: %w", corpus.ErrEmpty)
	}
	threads := opt.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	dim := opt.Dim
	n := v.Len()
	m := &Model{Vocab: v, Dim: dim, In: make([]float32, n*dim), Out: make([]float32, n*dim)}
	// Uniform in ±1/dim, as gensim and fastText initialise (word2vec's C
	// code uses ±0.5/dim, which scores about a point lower on analogies
	// here).
	r := sgd.NewRNG(opt.Seed, 1<<32)
	for i := range m.In {
		m.In[i] = (2*r.Float32() - 1) / float32(dim)
	}
	t := &trainer{
		m: m, opt: opt, dim: dim,
		keep:  sgd.KeepThresholds(v.Counts, v.Tokens, opt.Sample),
		sched: &sgd.Schedule{Start: opt.LR, MinFrac: 1e-4, Total: int64(opt.Epochs) * v.Tokens},
		start: time.Now(),
	}
	var callback func(sgd.Report)
	if opt.Progress != nil {
		callback = func(r sgd.Report) { opt.Progress(Progress(r)) }
	}
	t.meter = sgd.NewMeter(t.sched, callback, opt.ProgressWriter, "word2vec")
	if opt.Loss == NegativeSampling {
		t.noise = sgd.NewAlias(v.Counts, opt.NegPower)
	} else {
		t.tree = buildHuffman(v.Counts)
	}
	bounds := text.Split(threads)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for i := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.run(ctx, text, bounds[i], bounds[i+1], uint64(i))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("word2vec: %w", err)
	}
	m.Elapsed = time.Since(t.start)
	m.Words = t.sched.Done()
	m.Loss = t.meter.Finish().Loss
	return m, nil
}

type trainer struct {
	m     *Model
	opt   Options
	dim   int
	keep  []uint32
	noise *sgd.Alias
	tree  *huffman
	sched *sgd.Schedule
	meter *sgd.Meter
	start time.Time
}

// maxSentence caps the words trained as one sentence.
const maxSentence = 10000

// run trains one thread over [lo, hi) for every epoch.
func (t *trainer) run(ctx context.Context, text *corpus.Text, lo, hi int64, id uint64) error {
	rng := sgd.NewRNG(t.opt.Seed, id)
	dim := t.dim
	neu1 := make([]float32, dim)
	neu1e := make([]float32, dim)
	sen := make([]int32, 0, maxSentence)
	vocab := t.m.Vocab
	lr := t.sched.Rate()
	var pending int64
	var loss float64
	var examples int64
	flush := func() error {
		lr = t.meter.Add(pending, loss, examples)
		pending, loss, examples = 0, 0, 0
		return ctx.Err()
	}
	for range t.opt.Epochs {
		s := text.Scan(lo, hi)
		for {
			sen = sen[:0]
			more := true
			for len(sen) < maxSentence {
				w, eol, ok := s.Next()
				if !ok {
					more = false
					break
				}
				if eol {
					break
				}
				id := vocab.ID(w)
				if id < 0 {
					continue
				}
				pending++
				if rng.Uint32() < t.keep[id] {
					sen = append(sen, id)
				}
			}
			if len(sen) > 0 {
				var l float64
				var e int64
				if t.opt.Arch == SkipGram {
					l, e = t.skipGram(sen, &rng, lr, neu1e)
				} else {
					l, e = t.cbow(sen, &rng, lr, neu1, neu1e)
				}
				loss += l
				examples += e
			}
			if pending >= 10000 {
				if err := flush(); err != nil {
					return err
				}
			}
			if !more {
				break
			}
		}
		if err := s.Err(); err != nil {
			return err
		}
	}
	return flush()
}

// output trains the output layer on hidden vector h for the centre word
// and accumulates the gradient of h in e. It returns the loss.
func (t *trainer) output(h []float32, word int32, rng *sgd.RNG, lr float32, e []float32) float32 {
	dim := t.dim
	out := t.m.Out
	var loss float32
	if t.noise != nil {
		var buf [16]int32
		negs := buf[:0]
		if t.opt.Negative > len(buf) {
			negs = make([]int32, 0, t.opt.Negative)
		}
		for range t.opt.Negative {
			negs = append(negs, t.noise.Draw(rng))
		}
		return sgd.NegativeStep(out, dim, h, word, negs, lr, e)
	}
	code := t.tree.code(word)
	points := t.tree.point(word)
	for d, p := range points {
		row := out[int(p)*dim : int(p)*dim+dim]
		f := vec.Dot(h, row)
		// Code bit 1 means "left": the label is 1 − bit.
		label := float32(1 - code[d])
		if label == 1 {
			loss += sgd.NegLogSigmoid(f)
		} else {
			loss += sgd.NegLogSigmoid(-f)
		}
		vec.GradStep((label-sgd.Sigmoid(f))*lr, h, row, e)
	}
	return loss
}

func (t *trainer) skipGram(sen []int32, rng *sgd.RNG, lr float32, e []float32) (float64, int64) {
	dim := t.dim
	in := t.m.In
	var loss float64
	var n int64
	for pos, word := range sen {
		b := rng.Intn(t.opt.Window)
		w := t.opt.Window - b
		lo, hi := max(pos-w, 0), min(pos+w, len(sen)-1)
		for c := lo; c <= hi; c++ {
			if c == pos {
				continue
			}
			ctx := sen[c]
			h := in[int(ctx)*dim : int(ctx)*dim+dim]
			clear(e)
			loss += float64(t.output(h, word, rng, lr, e))
			vec.Axpy(1, e, h)
			n++
		}
	}
	return loss, n
}

func (t *trainer) cbow(sen []int32, rng *sgd.RNG, lr float32, h, e []float32) (float64, int64) {
	dim := t.dim
	in := t.m.In
	var loss float64
	var n int64
	for pos, word := range sen {
		b := rng.Intn(t.opt.Window)
		w := t.opt.Window - b
		lo, hi := max(pos-w, 0), min(pos+w, len(sen)-1)
		if hi == lo {
			continue // no context
		}
		clear(h)
		for c := lo; c <= hi; c++ {
			if c != pos {
				ctx := int(sen[c])
				vec.Axpy(1, in[ctx*dim:ctx*dim+dim], h)
			}
		}
		vec.Scale(h, 1/float32(hi-lo), h)
		clear(e)
		loss += float64(t.output(h, word, rng, lr, e))
		for c := lo; c <= hi; c++ {
			if c != pos {
				ctx := int(sen[c])
				vec.Axpy(1, e, in[ctx*dim:ctx*dim+dim])
			}
		}
		n++
	}
	return loss, n
}
