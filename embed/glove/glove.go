// Package glove trains GloVe word vectors (Pennington, Socher and Manning
// 2014): it counts word co-occurrences within a window, weighted by
// 1/distance, in one streamed pass with bounded memory (sorted runs spill
// to temporary files and are merged), then fits the weighted least-squares
// objective with AdaGrad on all cores, as the reference C code does.
//
//	text, _ := corpus.Open("corpus.txt")
//	m, err := glove.Train(ctx, text, glove.DefaultOptions())
//	wordvec.Save("vectors.txt", m.Vectors(), true) // GloVe's text form
//
// The vectors are the sum of the word and context vectors (GloVe's
// -model 2). Threads update shared parameters without locks (Hogwild): set
// Threads to 1 for a reproducible run and under the race detector.
package glove

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/internal/sgd"
	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/internal/progress"
	"github.com/goformer/goformer/internal/vec"
)

// Options are the settings of Train. Start from DefaultOptions.
type Options struct {
	// Dim is the vector length.
	Dim int
	// Window, Asymmetric, NoDistanceWeighting, MemoryBytes and TempDir
	// control counting (see CountOptions).
	Window              int
	Asymmetric          bool
	NoDistanceWeighting bool
	MemoryBytes         int64
	TempDir             string
	// MinCount and MaxVocab limit the vocabulary.
	MinCount int64
	MaxVocab int
	// XMax and Alpha shape the weighting f(x) = min(1, (x/XMax)^Alpha).
	XMax, Alpha float64
	// LR is AdaGrad's initial learning rate.
	LR float64
	// Epochs is the number of passes over the co-occurrences.
	Epochs int
	// Threads is the number of training goroutines (0: GOMAXPROCS).
	Threads int
	// Seed fixes the initialisation and the shuffle.
	Seed uint64
	// Progress, if set, is called after each epoch with its mean cost.
	Progress func(epoch int, cost float64)
	// ProgressWriter, if set, receives progress bars of the counting and
	// of the training, with the rate and the time left (plain lines when
	// it is not a terminal), each ending at 100 %.
	ProgressWriter io.Writer
}

// DefaultOptions returns the settings of GloVe's demo: dim 100, window 15,
// symmetric, 1/distance weighting, min count 5, x_max 100, alpha 0.75,
// learning rate 0.05, 15 epochs.
func DefaultOptions() Options {
	return Options{
		Dim: 100, Window: 15, MinCount: 5, XMax: 100, Alpha: 0.75,
		LR: 0.05, Epochs: 15, Seed: 1,
	}
}

// Validate reports the first invalid option, wrapped around ErrOptions.
// Train and Fit call it before any work; zero values are invalid where
// the field's doc gives no meaning to zero (Window, Epochs, LR, XMax).
func (o Options) Validate() error {
	switch {
	case o.Dim < 1 || o.Dim > 1<<16:
		return fmt.Errorf("%w: Dim %d outside 1..65536", ErrOptions, o.Dim)
	case o.Window < 1:
		return fmt.Errorf("%w: Window %d < 1", ErrOptions, o.Window)
	case !(o.XMax > 0) || math.IsInf(o.XMax, 0):
		return fmt.Errorf("%w: XMax %v is not a positive number", ErrOptions, o.XMax)
	case !(o.Alpha >= 0) || math.IsInf(o.Alpha, 0):
		return fmt.Errorf("%w: Alpha %v is not a number ≥ 0", ErrOptions, o.Alpha)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("%w: LR %v is not a positive number", ErrOptions, o.LR)
	case o.Epochs < 1:
		return fmt.Errorf("%w: Epochs %d < 1", ErrOptions, o.Epochs)
	case o.MinCount < 0:
		return fmt.Errorf("%w: MinCount %d < 0", ErrOptions, o.MinCount)
	case o.MaxVocab < 0:
		return fmt.Errorf("%w: MaxVocab %d < 0 (0 for no limit)", ErrOptions, o.MaxVocab)
	case o.Threads < 0:
		return fmt.Errorf("%w: Threads %d < 0 (0 for GOMAXPROCS)", ErrOptions, o.Threads)
	case o.MemoryBytes < 0:
		return fmt.Errorf("%w: MemoryBytes %d < 0 (0 for the default)", ErrOptions, o.MemoryBytes)
	}
	return nil
}

// Model holds the GloVe parameters.
type Model struct {
	Vocab *corpus.Vocab
	Dim   int
	// W has 2·Vocab.Len() rows of Dim+1 values: word vectors then context
	// vectors, each followed by its bias.
	W []float32
	// Cost is the mean weighted squared error of the last epoch.
	Cost float64
	// Elapsed is the time spent in AdaGrad, counting excluded.
	Elapsed time.Duration
}

// Vectors returns word plus context vector for every word.
func (m *Model) Vectors() *wordvec.Table {
	n, d := m.Vocab.Len(), m.Dim
	data := make([]float32, n*d)
	for i := range n {
		w := m.W[i*(d+1) : i*(d+1)+d]
		c := m.W[(n+i)*(d+1) : (n+i)*(d+1)+d]
		row := data[i*d : (i+1)*d]
		for k := range row {
			row[k] = w[k] + c[k]
		}
	}
	return wordvec.New(m.Vocab.Words, d, data)
}

// Train counts the vocabulary and co-occurrences of text and fits GloVe.
func Train(ctx context.Context, text *corpus.Text, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	v, err := corpus.Count(ctx, text, corpus.CountOptions{MinCount: opt.MinCount, MaxSize: opt.MaxVocab, Threads: opt.Threads})
	if err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	c, err := Count(ctx, text, v, CountOptions{
		Window: opt.Window, Asymmetric: opt.Asymmetric, NoDistanceWeighting: opt.NoDistanceWeighting,
		MemoryBytes: opt.MemoryBytes, TempDir: opt.TempDir, ProgressWriter: opt.ProgressWriter,
	})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return Fit(ctx, c, opt)
}

// Fit trains on counted co-occurrences. They are shuffled once (in memory,
// or through temporary bucket files when they exceed MemoryBytes), then
// each thread takes a contiguous share of the shuffled records per epoch.
func Fit(ctx context.Context, c *Cooccurrences, opt Options) (*Model, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if c.Len() == 0 {
		return nil, fmt.Errorf("glove: %w: no co-occurrences", corpus.ErrEmpty)
	}
	if opt.MemoryBytes <= 0 {
		opt.MemoryBytes = 256 << 20
	}
	src, cleanup, err := shuffled(c, opt)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	n, d := c.Vocab.Len(), opt.Dim
	m := &Model{Vocab: c.Vocab, Dim: d, W: make([]float32, 2*n*(d+1))}
	r := sgd.NewRNG(opt.Seed, 1<<32)
	for i := range m.W {
		m.W[i] = (r.Float32() - 0.5) / float32(d)
	}
	gradsq := make([]float32, len(m.W))
	for i := range gradsq {
		gradsq[i] = 1
	}
	threads := opt.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	total := c.Len()
	bar := progress.New(opt.ProgressWriter, progress.Options{Total: int64(opt.Epochs) * total, Unit: "pairs", Desc: "glove train"})
	start := time.Now()
	for epoch := range opt.Epochs {
		costs := make([]float64, threads)
		errs := make([]error, threads)
		var wg sync.WaitGroup
		for t := range threads {
			lo, hi := total*int64(t)/int64(threads), total*int64(t+1)/int64(threads)
			wg.Add(1)
			go func() {
				defer wg.Done()
				costs[t], errs[t] = fitRange(ctx, src, lo, hi, m, gradsq, opt, bar)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		var cost float64
		for _, x := range costs {
			cost += x
		}
		m.Cost = cost / float64(total)
		bar.SetStatus(fmt.Sprintf("epoch %d/%d  cost %.6f", epoch+1, opt.Epochs, m.Cost))
		if opt.Progress != nil {
			opt.Progress(epoch+1, m.Cost)
		}
	}
	bar.Finish()
	m.Elapsed = time.Since(start)
	return m, nil
}

// fitRange runs AdaGrad over records [lo, hi), counting them on bar, and
// returns their cost.
func fitRange(ctx context.Context, src io.ReaderAt, lo, hi int64, m *Model, gradsq []float32, opt Options, bar *progress.Progress) (float64, error) {
	d := m.Dim
	n := m.Vocab.Len()
	stride := d + 1
	r := bufio.NewReaderSize(io.NewSectionReader(src, lo*recordSize, (hi-lo)*recordSize), 1<<16)
	var b [recordSize]byte
	var cost float64
	xmax, alpha, eta := opt.XMax, opt.Alpha, float32(opt.LR)
	for k := lo; k < hi; k++ {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("glove: read shuffled co-occurrences: %w", err)
		}
		if (k-lo)&0xffff == 0 {
			if k > lo {
				bar.Add(0x10000)
			}
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		rec := getRecord(b[:])
		if rec.X <= 0 || rec.I < 0 || rec.J < 0 || int(rec.I) >= n || int(rec.J) >= n {
			continue
		}
		l1 := int(rec.I) * stride
		l2 := (n + int(rec.J)) * stride
		w1 := m.W[l1 : l1+stride]
		w2 := m.W[l2 : l2+stride]
		g1 := gradsq[l1 : l1+stride]
		g2 := gradsq[l2 : l2+stride]
		diff := vec.Dot(w1[:d], w2[:d]) + w1[d] + w2[d] - float32(math.Log(float64(rec.X)))
		fdiff := diff
		if float64(rec.X) < xmax {
			fdiff = float32(math.Pow(float64(rec.X)/xmax, alpha)) * diff
		}
		if math.IsNaN(float64(fdiff)) || math.IsInf(float64(fdiff), 0) {
			continue
		}
		cost += 0.5 * float64(fdiff) * float64(diff)
		fdiff *= eta
		vec.AdaGradPair(fdiff, w1[:d], w2[:d], g1[:d], g2[:d])
		w1[d] -= fdiff / float32(math.Sqrt(float64(g1[d])))
		w2[d] -= fdiff / float32(math.Sqrt(float64(g2[d])))
		fdiff *= fdiff
		g1[d] += fdiff
		g2[d] += fdiff
	}
	if n := hi - lo; n > 0 {
		bar.Add((n-1)&0xffff + 1) // what the loop has not counted yet
	}
	return cost, nil
}

// shuffled returns the records in a random order. Within the memory bound
// the shuffle is in memory; beyond it each record goes to one of several
// bucket files at random, and each bucket is shuffled in memory in turn.
func shuffled(c *Cooccurrences, opt Options) (io.ReaderAt, func(), error) {
	r := sgd.NewRNG(opt.Seed, 1<<33)
	bytesNeeded := c.Len() * recordSize
	if bytesNeeded <= opt.MemoryBytes {
		buf := make([]byte, bytesNeeded)
		if _, err := c.readerAt().ReadAt(buf, 0); err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("glove: %w", err)
		}
		shuffleRecords(buf, &r)
		return bytesReaderAt(buf), func() {}, nil
	}
	nb := int(bytesNeeded/opt.MemoryBytes) + 1
	buckets := make([]*os.File, nb)
	writers := make([]*bufio.Writer, nb)
	cleanup := func() {
		for _, f := range buckets {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}
	}
	for i := range buckets {
		f, err := os.CreateTemp(opt.TempDir, "glove-shuf-*")
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("glove: %w", err)
		}
		buckets[i], writers[i] = f, bufio.NewWriterSize(f, 1<<16)
	}
	var b [recordSize]byte
	err := c.Each(func(rec Record) error {
		putRecord(b[:], rec)
		_, err := writers[r.Intn(nb)].Write(b[:])
		return err
	})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	out, err := os.CreateTemp(opt.TempDir, "glove-shuffled-*")
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("glove: %w", err)
	}
	all := func() {
		cleanup()
		out.Close()
		os.Remove(out.Name())
	}
	for i, f := range buckets {
		if err := writers[i].Flush(); err != nil {
			all()
			return nil, nil, fmt.Errorf("glove: %w", err)
		}
		data, err := os.ReadFile(f.Name())
		if err != nil {
			all()
			return nil, nil, fmt.Errorf("glove: %w", err)
		}
		shuffleRecords(data, &r)
		if _, err := out.Write(data); err != nil {
			all()
			return nil, nil, fmt.Errorf("glove: %w", err)
		}
		f.Close()
		os.Remove(f.Name())
		buckets[i] = nil
	}
	return out, all, nil
}

func shuffleRecords(buf []byte, r *sgd.RNG) {
	n := len(buf) / recordSize
	var tmp [recordSize]byte
	for i := n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		a, b := buf[i*recordSize:(i+1)*recordSize], buf[j*recordSize:(j+1)*recordSize]
		copy(tmp[:], a)
		copy(a, b)
		copy(b, tmp[:])
	}
}
