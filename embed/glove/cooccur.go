package glove

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/internal/progress"
)

// recordSize is the size of one co-occurrence record on disk or in memory:
// two int32 word ids and a float32 count.
const recordSize = 12

// Record is one non-zero co-occurrence count X[I][J].
type Record struct {
	I, J int32
	X    float32
}

func putRecord(b []byte, r Record) {
	binary.LittleEndian.PutUint32(b, uint32(r.I))
	binary.LittleEndian.PutUint32(b[4:], uint32(r.J))
	binary.LittleEndian.PutUint32(b[8:], math.Float32bits(r.X))
}

func getRecord(b []byte) Record {
	return Record{
		I: int32(binary.LittleEndian.Uint32(b)),
		J: int32(binary.LittleEndian.Uint32(b[4:])),
		X: math.Float32frombits(binary.LittleEndian.Uint32(b[8:])),
	}
}

// Cooccurrences are the merged co-occurrence counts of a corpus, sorted by
// (I, J), held in memory or in a temporary file.
type Cooccurrences struct {
	// Vocab is the vocabulary the ids refer to.
	Vocab *corpus.Vocab
	n     int64
	mem   []byte
	file  *os.File
}

// Len is the number of non-zero entries.
func (c *Cooccurrences) Len() int64 { return c.n }

// Close removes the temporary file, if any.
func (c *Cooccurrences) Close() error {
	if c.file == nil {
		return nil
	}
	name := c.file.Name()
	err := c.file.Close()
	os.Remove(name)
	c.file = nil
	return err
}

func (c *Cooccurrences) readerAt() io.ReaderAt {
	if c.file != nil {
		return c.file
	}
	return bytesReaderAt(c.mem)
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Each calls f on every record in (I, J) order, stopping at the first
// error.
func (c *Cooccurrences) Each(f func(Record) error) error {
	r := bufio.NewReaderSize(io.NewSectionReader(c.readerAt(), 0, c.n*recordSize), 1<<16)
	var b [recordSize]byte
	for range c.n {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return fmt.Errorf("glove: read co-occurrences: %w", err)
		}
		if err := f(getRecord(b[:])); err != nil {
			return err
		}
	}
	return nil
}

// CountOptions control co-occurrence counting.
type CountOptions struct {
	// Window is the number of words on each side that count as context.
	Window int
	// Asymmetric counts only the words before each word (GloVe's
	// symmetric=0); by default both sides count.
	Asymmetric bool
	// NoDistanceWeighting counts each pair as 1 instead of 1/distance.
	NoDistanceWeighting bool
	// MemoryBytes bounds the memory used for counting; beyond it, sorted
	// runs spill to temporary files that are merged at the end (default
	// 256 MiB).
	MemoryBytes int64
	// TempDir holds the temporary files (default os.TempDir()).
	TempDir string
	// ProgressWriter, if set, receives a progress bar of the counting
	// with the rate and the time left (plain lines when it is not a
	// terminal), ending at 100 %.
	ProgressWriter io.Writer
}

// mapEntryBytes is a rough cost of one entry of a Go map[uint64]float64.
const mapEntryBytes = 40

// Count counts co-occurrences of vocabulary words within the window,
// resetting at line ends, in one pass over text with bounded memory.
func Count(ctx context.Context, text *corpus.Text, v *corpus.Vocab, opt CountOptions) (*Cooccurrences, error) {
	if opt.Window < 1 {
		return nil, fmt.Errorf("%w: Window %d < 1", ErrOptions, opt.Window)
	}
	if opt.MemoryBytes < 0 {
		return nil, fmt.Errorf("%w: MemoryBytes %d < 0 (0 for the default)", ErrOptions, opt.MemoryBytes)
	}
	if opt.MemoryBytes <= 0 {
		opt.MemoryBytes = 256 << 20
	}
	n := v.Len()
	// Pairs of the most frequent words go to a dense table using up to a
	// quarter of the memory; the rest to a map that spills when full.
	dense := int(math.Sqrt(float64(opt.MemoryBytes/4) / 8))
	dense = min(dense, n)
	table := make([]float64, dense*dense)
	maxEntries := int((opt.MemoryBytes - int64(len(table))*8) / mapEntryBytes)
	maxEntries = max(maxEntries, 1024)
	sparse := make(map[uint64]float64)
	var runs []*os.File
	defer func() {
		for _, f := range runs {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}
	}()
	spill := func() error {
		f, err := writeRun(sparse, opt.TempDir)
		if err != nil {
			return err
		}
		runs = append(runs, f)
		clear(sparse)
		return nil
	}
	add := func(i, j int32, x float64) error {
		if int(i) < dense && int(j) < dense {
			table[int(i)*dense+int(j)] += x
			return nil
		}
		sparse[uint64(i)<<32|uint64(uint32(j))] += x
		if len(sparse) >= maxEntries {
			return spill()
		}
		return nil
	}
	bar := progress.New(opt.ProgressWriter, progress.Options{Total: v.Tokens, Unit: "words", Desc: "glove count"})
	hist := make([]int32, 0, max(1024, 2*opt.Window))
	s := text.Scan(0, text.Size())
	words := 0
	for {
		w, eol, ok := s.Next()
		if !ok {
			break
		}
		if eol {
			hist = hist[:0]
			continue
		}
		id := v.ID(w)
		if id < 0 {
			continue
		}
		for k := 1; k <= opt.Window && k <= len(hist); k++ {
			c := hist[len(hist)-k]
			x := 1.0
			if !opt.NoDistanceWeighting {
				x = 1 / float64(k)
			}
			if err := add(c, id, x); err != nil {
				return nil, err
			}
			if !opt.Asymmetric {
				if err := add(id, c, x); err != nil {
					return nil, err
				}
			}
		}
		if len(hist) == cap(hist) {
			copy(hist, hist[len(hist)-opt.Window:])
			hist = hist[:opt.Window]
		}
		hist = append(hist, id)
		words++
		if words&0xffff == 0 {
			bar.Set(int64(words))
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	// The dense part becomes one more run, already in (I, J) order.
	for i := range dense {
		for j := range dense {
			if x := table[i*dense+j]; x != 0 {
				sparse[uint64(i)<<32|uint64(j)] += x
			}
		}
	}
	table = nil
	c := &Cooccurrences{Vocab: v}
	if len(runs) == 0 {
		// Everything fits in memory.
		recs := sortedRecords(sparse)
		c.mem = make([]byte, len(recs)*recordSize)
		for i, r := range recs {
			putRecord(c.mem[i*recordSize:], r)
		}
		c.n = int64(len(recs))
		bar.SetStatus(fmt.Sprintf("%d pairs", c.n))
		bar.Finish()
		return c, nil
	}
	if len(sparse) > 0 {
		if err := spill(); err != nil {
			return nil, err
		}
	}
	bar.Set(int64(words))
	bar.SetStatus(fmt.Sprintf("merging %d runs", len(runs)))
	out, count, err := mergeRuns(runs, opt.TempDir)
	if err != nil {
		return nil, err
	}
	c.file, c.n = out, count
	bar.SetStatus(fmt.Sprintf("%d pairs from %d runs", c.n, len(runs)))
	bar.Finish()
	return c, nil
}

func sortedRecords(m map[uint64]float64) []Record {
	recs := make([]Record, 0, len(m))
	for k, x := range m {
		recs = append(recs, Record{I: int32(k >> 32), J: int32(uint32(k)), X: float32(x)})
	}
	slices.SortFunc(recs, func(a, b Record) int {
		if c := cmp.Compare(a.I, b.I); c != 0 {
			return c
		}
		return cmp.Compare(a.J, b.J)
	})
	return recs
}

func writeRun(m map[uint64]float64, dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "glove-run-*")
	if err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var b [recordSize]byte
	for _, r := range sortedRecords(m) {
		putRecord(b[:], r)
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("glove: write run: %w", err)
	}
	return f, nil
}

type runHead struct {
	r   *bufio.Reader
	rec Record
}

type runHeap []*runHead

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(a, b int) bool {
	x, y := h[a].rec, h[b].rec
	return x.I < y.I || x.I == y.I && x.J < y.J
}
func (h runHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns merges sorted runs, summing equal pairs, into one file.
func mergeRuns(runs []*os.File, dir string) (*os.File, int64, error) {
	out, err := os.CreateTemp(dir, "glove-cooc-*")
	if err != nil {
		return nil, 0, fmt.Errorf("glove: %w", err)
	}
	fail := func(err error) (*os.File, int64, error) {
		out.Close()
		os.Remove(out.Name())
		return nil, 0, fmt.Errorf("glove: merge runs: %w", err)
	}
	var h runHeap
	var b [recordSize]byte
	for _, f := range runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(err)
		}
		r := bufio.NewReaderSize(f, 1<<16)
		if _, err := io.ReadFull(r, b[:]); err == nil {
			h = append(h, &runHead{r: r, rec: getRecord(b[:])})
		} else if err != io.EOF {
			return fail(err)
		}
	}
	heap.Init(&h)
	w := bufio.NewWriterSize(out, 1<<16)
	var n int64
	var cur Record
	have := false
	var sum float64
	for h.Len() > 0 {
		top := h[0]
		r := top.rec
		if have && r.I == cur.I && r.J == cur.J {
			sum += float64(r.X)
		} else {
			if have {
				cur.X = float32(sum)
				putRecord(b[:], cur)
				w.Write(b[:])
				n++
			}
			cur, sum, have = r, float64(r.X), true
		}
		if _, err := io.ReadFull(top.r, b[:]); err == nil {
			top.rec = getRecord(b[:])
			heap.Fix(&h, 0)
		} else if err == io.EOF {
			heap.Pop(&h)
		} else {
			return fail(err)
		}
	}
	if have {
		cur.X = float32(sum)
		putRecord(b[:], cur)
		w.Write(b[:])
		n++
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	return out, n, nil
}

// ErrOptions is wrapped by errors about invalid options.
var ErrOptions = errors.New("glove: invalid options")
