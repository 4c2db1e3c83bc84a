package fasttext

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
	"github.com/goformer/goformer/internal/vec"
)

// Options are the training settings. Start from DefaultOptions.
type Options struct {
	// Model is SkipGram or CBOW.
	Model ModelName
	// Dim is the vector length.
	Dim int
	// Window is the largest context distance; each centre word draws its
	// window uniformly from 1..Window.
	Window int
	// Negative is the number of noise words per example.
	Negative int
	// NegPower raises counts to this power for the noise distribution
	// (fastText uses 0.5, word2vec 0.75).
	NegPower float64
	Epochs   int
	// MinCount drops rarer words; MaxVocab keeps only the most frequent
	// (0: no limit).
	MinCount int64
	MaxVocab int
	// MinN and MaxN bound the n-gram lengths in characters, "<" and ">"
	// included; MaxN 0 turns n-grams off (plain word2vec).
	MinN, MaxN int
	// Bucket is the number of hashed n-gram rows.
	Bucket int
	// Sample is the sub-sampling threshold (0: off).
	Sample float64
	// LR is the starting learning rate, falling linearly to zero.
	LR float64
	// Threads is the number of training goroutines (0: GOMAXPROCS).
	Threads int
	// Seed fixes initialisation, windows, sub-sampling and noise draws.
	Seed uint64
	// Progress, if set, is called about once a second, and once more at
	// the end with every word done.
	Progress func(Progress)
	// ProgressWriter, if set, receives a progress bar with the rate and
	// the time left (plain lines when it is not a terminal), ending at
	// 100 %.
	ProgressWriter io.Writer
}

// Progress reports training state.
type Progress struct {
	Words    int64
	Total    int64
	LR       float32
	Loss     float64
	WordsSec float64
}

// DefaultOptions returns fastText's defaults for skipgram: dim 100, window
// 5, 5 negatives, 5 epochs, min count 5, n-grams of 3 to 6 characters in 2M
// buckets, sub-sampling 1e-4, learning rate 0.05.
func DefaultOptions() Options {
	return Options{
		Model: SkipGram, Dim: 100, Window: 5, Negative: 5, NegPower: 0.5,
		Epochs: 5, MinCount: 5, MinN: 3, MaxN: 6, Bucket: 2_000_000,
		Sample: 1e-4, LR: 0.05, Seed: 1,
	}
}

// ErrOptions is wrapped by errors about invalid options.
var ErrOptions = errors.New("fasttext: invalid options")

// Validate reports the first invalid option, wrapped around ErrOptions.
// Train and TrainVocab call it before any work; zero values are invalid
// where the field's doc gives no meaning to zero (Window, Epochs, LR).
func (o Options) Validate() error {
	switch {
	case o.Model != SkipGram && o.Model != CBOW:
		return fmt.Errorf("%w: model must be skipgram or cbow, not %v", ErrOptions, o.Model)
	case o.Dim < 1 || o.Dim > 1<<16:
		return fmt.Errorf("%w: Dim %d outside 1..65536", ErrOptions, o.Dim)
	case o.Window < 1:
		return fmt.Errorf("%w: Window %d < 1", ErrOptions, o.Window)
	case o.Negative < 1:
		return fmt.Errorf("%w: Negative %d < 1", ErrOptions, o.Negative)
	case o.Epochs < 1:
		return fmt.Errorf("%w: Epochs %d < 1", ErrOptions, o.Epochs)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("%w: LR %v is not a positive number", ErrOptions, o.LR)
	case !(o.Sample >= 0) || math.IsInf(o.Sample, 0):
		return fmt.Errorf("%w: Sample %v is not 0 (off) or a positive number", ErrOptions, o.Sample)
	case !(o.NegPower >= 0) || math.IsInf(o.NegPower, 0):
		return fmt.Errorf("%w: NegPower %v is not a number ≥ 0", ErrOptions, o.NegPower)
	case o.MinCount < 0:
		return fmt.Errorf("%w: MinCount %d < 0", ErrOptions, o.MinCount)
	case o.MaxVocab < 0:
		return fmt.Errorf("%w: MaxVocab %d < 0 (0 for no limit)", ErrOptions, o.MaxVocab)
	case o.Threads < 0:
		return fmt.Errorf("%w: Threads %d < 0 (0 for GOMAXPROCS)", ErrOptions, o.Threads)
	case o.MaxN < 0 || o.MinN < 0 || o.MaxN > 0 && o.MinN > o.MaxN:
		return fmt.Errorf("%w: n-gram lengths %d..%d", ErrOptions, o.MinN, o.MaxN)
	case o.MaxN > 0 && (o.Bucket < 1 || o.Bucket > 1<<30):
		return fmt.Errorf("%w: Bucket %d outside 1..2^30 with n-grams on", ErrOptions, o.Bucket)
	}
	return nil
}

// Train counts the vocabulary of text and trains a model on it.
func Train(ctx context.Context, text *corpus.Text, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	v, err := corpus.Count(ctx, text, corpus.CountOptions{MinCount: opt.MinCount, MaxSize: opt.MaxVocab, Threads: opt.Threads})
	if err != nil {
		return nil, fmt.Errorf("fasttext: %w", err)
	}
	return TrainVocab(ctx, text, v, opt)
}

// TrainVocab trains on text with a vocabulary counted beforehand.
func TrainVocab(ctx context.Context, text *corpus.Text, v *corpus.Vocab, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if v.Len() == 0 || v.Tokens == 0 {
		return nil, fmt.Errorf("fasttext: %w", corpus.ErrEmpty)
	}
	bucket := opt.Bucket
	if opt.MaxN == 0 {
		bucket = 0
	}
	m := &Model{
		Args: Args{
			Dim: int32(opt.Dim), WS: int32(opt.Window), Epoch: int32(opt.Epochs),
			MinCount: int32(min(opt.MinCount, 1<<31-1)), Neg: int32(opt.Negative), WordNgrams: 1,
			Loss: NegativeSampling, Model: opt.Model, Bucket: int32(bucket),
			MinN: int32(opt.MinN), MaxN: int32(opt.MaxN), LRUpdateRate: 100, T: opt.Sample,
		},
		Words:  v.Words,
		Counts: v.Counts,
		NWords: v.Len(),
		Tokens: v.Tokens,
	}
	m.init()
	dim := opt.Dim
	m.Input = make([]float32, (v.Len()+bucket)*dim)
	m.Output = make([]float32, v.Len()*dim)
	r := sgd.NewRNG(opt.Seed, 1<<32)
	scale := 1 / float32(dim)
	for i := range m.Input {
		m.Input[i] = (2*r.Float32() - 1) * scale
	}
	threads := opt.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	t := &trainer{
		m: m, opt: opt, dim: dim, vocab: v,
		keep:  sgd.KeepThresholds(v.Counts, v.Tokens, opt.Sample),
		noise: sgd.NewAlias(v.Counts, opt.NegPower),
		sched: &sgd.Schedule{Start: opt.LR, MinFrac: 0, Total: int64(opt.Epochs) * v.Tokens},
		start: time.Now(),
	}
	var callback func(sgd.Report)
	if opt.Progress != nil {
		callback = func(r sgd.Report) { opt.Progress(Progress(r)) }
	}
	t.meter = sgd.NewMeter(t.sched, callback, opt.ProgressWriter, "fasttext")
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
		return nil, fmt.Errorf("fasttext: %w", err)
	}
	t.stats.Elapsed = time.Since(t.start)
	t.stats.Words = t.sched.Done()
	t.stats.Loss = t.meter.Finish().Loss
	m.stats = t.stats
	return m, nil
}

// TrainStats are measured while training.
type TrainStats struct {
	// Loss is the mean loss per example.
	Loss float64
	// Elapsed is the training time, vocabulary counting excluded.
	Elapsed time.Duration
	// Words is the number of vocabulary words read over all epochs.
	Words int64
}

// Stats returns the statistics of the training that made m (zero for a
// loaded model).
func (m *Model) Stats() TrainStats { return m.stats }

type trainer struct {
	m     *Model
	opt   Options
	dim   int
	vocab *corpus.Vocab
	keep  []uint32
	noise *sgd.Alias
	sched *sgd.Schedule
	meter *sgd.Meter
	start time.Time
	stats TrainStats
}

const maxSentence = 10000

func (t *trainer) run(ctx context.Context, text *corpus.Text, lo, hi int64, id uint64) error {
	rng := sgd.NewRNG(t.opt.Seed, id)
	dim := t.dim
	h := make([]float32, dim)
	grad := make([]float32, dim)
	total := make([]float32, dim)
	sen := make([]int32, 0, maxSentence)
	bow := make([]int32, 0, 1024)
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
				id := t.vocab.ID(w)
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
				if t.opt.Model == SkipGram {
					l, e = t.skipGram(sen, &rng, lr, h, grad, total)
				} else {
					l, e, bow = t.cbow(sen, &rng, lr, h, grad, bow)
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

// negSampling scores hidden vector h against target and Negative noise
// words, updating their output rows and adding the gradient of h to grad.
func (t *trainer) negSampling(h []float32, target int32, rng *sgd.RNG, lr float32, grad []float32) float32 {
	// A draw equal to the target is redrawn, as fastText does, but only a
	// few times, so that a one-word vocabulary cannot loop forever.
	var buf [16]int32
	negs := buf[:0]
	if t.opt.Negative > len(buf) {
		negs = make([]int32, 0, t.opt.Negative)
	}
	for range t.opt.Negative {
		neg := t.noise.Draw(rng)
		for try := 0; neg == target && try < 8; try++ {
			neg = t.noise.Draw(rng)
		}
		if neg != target {
			negs = append(negs, neg)
		}
	}
	return sgd.NegativeStep(t.m.Output, t.dim, h, target, negs, lr, grad)
}

// skipGram trains each centre word (the mean of its word and n-gram rows)
// to predict its context words. fastText recomputes the mean and updates
// the rows after every context word; since every row gets the same
// gradient, the mean moves by exactly that gradient, so the mean is kept
// here and the summed gradient is added to the rows once per centre word.
func (t *trainer) skipGram(sen []int32, rng *sgd.RNG, lr float32, h, grad, total []float32) (float64, int64) {
	dim := t.dim
	in := t.m.Input
	var loss float64
	var n int64
	for pos, word := range sen {
		w := 1 + rng.Intn(t.opt.Window)
		lo, hi := max(pos-w, 0), min(pos+w, len(sen)-1)
		if lo == hi {
			continue
		}
		ids := t.m.subIDs[t.m.subStart[word]:t.m.subStart[word+1]]
		// The n-gram rows are scattered over the bucket rows: ask for all
		// of them before summing.
		for _, id := range ids {
			vec.Prefetch(in[int(id)*dim : int(id)*dim+dim])
		}
		t.m.wordVector(ids, h)
		clear(total)
		for c := lo; c <= hi; c++ {
			if c == pos {
				continue
			}
			clear(grad)
			loss += float64(t.negSampling(h, sen[c], rng, lr, grad))
			vec.Axpy(1, grad, h)
			vec.Axpy(1, grad, total)
			n++
		}
		for _, id := range ids {
			vec.Axpy(1, total, in[int(id)*dim:int(id)*dim+dim])
		}
	}
	return loss, n
}

// cbow trains the mean of the rows of all context words (and their
// n-grams) to predict the centre word.
func (t *trainer) cbow(sen []int32, rng *sgd.RNG, lr float32, h, grad []float32, bow []int32) (float64, int64, []int32) {
	dim := t.dim
	in := t.m.Input
	var loss float64
	var n int64
	for pos, word := range sen {
		w := 1 + rng.Intn(t.opt.Window)
		lo, hi := max(pos-w, 0), min(pos+w, len(sen)-1)
		bow = bow[:0]
		for c := lo; c <= hi; c++ {
			if c != pos {
				cw := sen[c]
				bow = append(bow, t.m.subIDs[t.m.subStart[cw]:t.m.subStart[cw+1]]...)
			}
		}
		if len(bow) == 0 {
			continue
		}
		for _, id := range bow {
			vec.Prefetch(in[int(id)*dim : int(id)*dim+dim])
		}
		t.m.wordVector(bow, h)
		clear(grad)
		loss += float64(t.negSampling(h, word, rng, lr, grad))
		for _, id := range bow {
			vec.Axpy(1, grad, in[int(id)*dim:int(id)*dim+dim])
		}
		n++
	}
	return loss, n, bow
}
