package fasttext

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"github.com/goformer/goformer/internal/atomicfile"
)

const (
	magic = 793712314
	// fileVersion is the version fastText 0.9.2 writes.
	fileVersion = 12
)

var (
	// ErrFormat is wrapped by every error about a malformed model file.
	ErrFormat = errors.New("fasttext: bad model file")
	// ErrQuantized is returned for quantized models (.ftz), which this
	// package does not read.
	ErrQuantized = errors.New("fasttext: quantized model (.ftz) is not supported; use an unquantized .bin")
)

// Load reads a .bin model written by fastText 0.9.2 (or by Save).
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // it names the file
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, loadError(path, err)
	}
	return m, nil
}

// loadError wraps err, from loading path, with "load path: " unless the
// error already names path (an *fs.PathError of a read): then that
// error alone, which says what failed on which file.
func loadError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return pe
	}
	return fmt.Errorf("load %s: %w", path, err)
}

// IsModel reports whether b starts like a fastText model file.
func IsModel(b []byte) bool {
	return len(b) >= 4 && binary.LittleEndian.Uint32(b) == magic
}

type binReader struct {
	r   *bufio.Reader
	err error
	buf [8]byte
}

func (b *binReader) read(n int, what string) []byte {
	if b.err != nil {
		return b.buf[:n]
	}
	if _, err := io.ReadFull(b.r, b.buf[:n]); err != nil {
		switch err {
		case io.EOF, io.ErrUnexpectedEOF:
			b.err = fmt.Errorf("%w: reading %s: %v (truncated file?)", ErrFormat, what, io.ErrUnexpectedEOF)
		default:
			b.err = err // a read error, which names the file
		}
	}
	return b.buf[:n]
}

func (b *binReader) i32(what string) int32 {
	return int32(binary.LittleEndian.Uint32(b.read(4, what)))
}
func (b *binReader) i64(what string) int64 {
	return int64(binary.LittleEndian.Uint64(b.read(8, what)))
}
func (b *binReader) u8(what string) byte { return b.read(1, what)[0] }

// Read reads a .bin model from r.
func Read(r io.Reader) (*Model, error) {
	b := &binReader{r: bufio.NewReaderSize(r, 1<<16)}
	if mg := b.i32("magic number"); b.err == nil && mg != magic {
		return nil, fmt.Errorf("%w: not a fastText model (magic %d)", ErrFormat, mg)
	}
	version := b.i32("version")
	if b.err == nil && (version < 11 || version > fileVersion) {
		return nil, fmt.Errorf("%w: unsupported version %d (want 11 or 12)", ErrFormat, version)
	}
	m := &Model{}
	a := &m.Args
	a.Dim = b.i32("dim")
	a.WS = b.i32("ws")
	a.Epoch = b.i32("epoch")
	a.MinCount = b.i32("minCount")
	a.Neg = b.i32("neg")
	a.WordNgrams = b.i32("wordNgrams")
	a.Loss = LossName(b.i32("loss"))
	a.Model = ModelName(b.i32("model"))
	a.Bucket = b.i32("bucket")
	a.MinN = b.i32("minn")
	a.MaxN = b.i32("maxn")
	a.LRUpdateRate = b.i32("lrUpdateRate")
	a.T = math.Float64frombits(uint64(b.i64("t")))
	if b.err != nil {
		return nil, b.err
	}
	if version == 11 && a.Model == Supervised {
		a.MaxN = 0 // as fastText does for old classifier files
	}
	if a.Dim <= 0 || a.Dim > 1<<16 || a.Bucket < 0 || a.MinN < 0 || a.MaxN < 0 || a.MaxN > 1<<10 {
		return nil, fmt.Errorf("%w: arguments out of range (dim %d, bucket %d, minn %d, maxn %d)", ErrFormat, a.Dim, a.Bucket, a.MinN, a.MaxN)
	}

	size := b.i32("dictionary size")
	nwords := b.i32("word count")
	nlabels := b.i32("label count")
	m.Tokens = b.i64("token count")
	pruneSize := b.i64("prune index size")
	if b.err != nil {
		return nil, b.err
	}
	if size < 0 || nwords < 0 || nlabels < 0 || int64(nwords)+int64(nlabels) != int64(size) {
		return nil, fmt.Errorf("%w: dictionary of %d entries with %d words and %d labels", ErrFormat, size, nwords, nlabels)
	}
	m.NWords = int(nwords)
	m.Words = make([]string, 0, min(int(size), 1<<20))
	m.Counts = make([]int64, 0, min(int(size), 1<<20))
	word := make([]byte, 0, 64)
	for i := range int(size) {
		word = word[:0]
		for {
			c, err := b.r.ReadByte()
			if err != nil {
				return nil, fmt.Errorf("%w: entry %d of %d: %v (truncated file?)", ErrFormat, i+1, size, io.ErrUnexpectedEOF)
			}
			if c == 0 {
				break
			}
			word = append(word, c)
			if len(word) > 1<<16 {
				return nil, fmt.Errorf("%w: entry %d is longer than 64 KiB", ErrFormat, i+1)
			}
		}
		count := b.i64("entry count")
		typ := b.u8("entry type")
		if b.err != nil {
			return nil, b.err
		}
		if want := byte(entryWord); i >= int(nwords) {
			want = entryLabel
			if typ != want {
				return nil, fmt.Errorf("%w: entry %d (%q) has type %d, want %d", ErrFormat, i+1, word, typ, want)
			}
		} else if typ != want {
			return nil, fmt.Errorf("%w: entry %d (%q) has type %d, want %d", ErrFormat, i+1, word, typ, want)
		}
		m.Words = append(m.Words, string(word))
		m.Counts = append(m.Counts, count)
	}
	if pruneSize > 0 {
		if pruneSize > int64(a.Bucket) {
			return nil, fmt.Errorf("%w: prune index of %d entries for %d buckets", ErrFormat, pruneSize, a.Bucket)
		}
		m.pruned = make(map[int32]int32, min(pruneSize, 1<<20))
		for range pruneSize {
			k := b.i32("prune index")
			v := b.i32("prune index")
			m.pruned[k] = v
		}
	} else if pruneSize == 0 {
		m.pruned = map[int32]int32{}
	}
	if b.err != nil {
		return nil, b.err
	}
	if q := b.u8("quantization flag"); b.err == nil && q != 0 {
		return nil, ErrQuantized
	}
	var err error
	rows, cols := int64(size)+int64(a.Bucket), int64(a.Dim)
	if m.pruned != nil {
		rows = int64(size) + int64(len(m.pruned))
	}
	if m.Input, err = readMatrix(b, "input", rows, cols); err != nil {
		return nil, err
	}
	if q := b.u8("output quantization flag"); b.err == nil && q != 0 {
		return nil, ErrQuantized
	}
	outRows := int64(nwords)
	if a.Model == Supervised {
		outRows = int64(nlabels)
	}
	if m.Output, err = readMatrix(b, "output", outRows, cols); err != nil {
		return nil, err
	}
	if m.pruned != nil && len(m.pruned) > 0 {
		return nil, fmt.Errorf("%w: pruned dictionary in an unquantized model", ErrFormat)
	}
	m.init()
	return m, nil
}

// readMatrix reads a dense matrix, checking its shape against what the
// arguments and dictionary imply; it grows its buffer as data arrives, so a
// corrupt size cannot make it allocate memory the file does not back.
func readMatrix(b *binReader, name string, rows, cols int64) ([]float32, error) {
	m := b.i64(name + " rows")
	n := b.i64(name + " columns")
	if b.err != nil {
		return nil, b.err
	}
	if m != rows || n != cols {
		return nil, fmt.Errorf("%w: %s matrix is %d×%d, want %d×%d", ErrFormat, name, m, n, rows, cols)
	}
	total := m * n
	data := make([]float32, 0, min(total, 1<<22))
	raw := make([]byte, 4*min(total, 1<<16))
	for int64(len(data)) < total {
		chunk := raw[:4*min(total-int64(len(data)), int64(len(raw)/4))]
		if _, err := io.ReadFull(b.r, chunk); err != nil {
			return nil, fmt.Errorf("%w: %s matrix: %v after %d of %d values (truncated file?)", ErrFormat, name, io.ErrUnexpectedEOF, len(data), total)
		}
		for i := 0; i < len(chunk); i += 4 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(chunk[i:]))
			if v != v || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: %s matrix holds a non-finite value", ErrFormat, name)
			}
			data = append(data, v)
		}
	}
	return data, nil
}

// Save writes m as a fastText 0.9.2 .bin model, which fastText itself can
// load (e.g. for print-word-vectors or nn). It writes a temporary file and
// renames it.
func Save(path string, m *Model) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return Write(w, m) }); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Write writes m in fastText's .bin form.
func Write(w io.Writer, m *Model) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf [8]byte
	i32 := func(v int32) {
		binary.LittleEndian.PutUint32(buf[:4], uint32(v))
		bw.Write(buf[:4])
	}
	i64 := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		bw.Write(buf[:])
	}
	a := m.Args
	i32(magic)
	i32(fileVersion)
	for _, v := range []int32{a.Dim, a.WS, a.Epoch, a.MinCount, a.Neg, a.WordNgrams, int32(a.Loss), int32(a.Model), a.Bucket, a.MinN, a.MaxN, a.LRUpdateRate} {
		i32(v)
	}
	i64(int64(math.Float64bits(a.T)))
	i32(int32(len(m.Words)))
	i32(int32(m.NWords))
	i32(int32(len(m.Words) - m.NWords))
	i64(m.Tokens)
	i64(-1)
	for i, word := range m.Words {
		for j := 0; j < len(word); j++ {
			if word[j] == 0 {
				return fmt.Errorf("fasttext: word %q holds a NUL byte", word)
			}
		}
		bw.WriteString(word)
		bw.WriteByte(0)
		i64(m.Counts[i])
		if i < m.NWords {
			bw.WriteByte(entryWord)
		} else {
			bw.WriteByte(entryLabel)
		}
	}
	matrix := func(data []float32) {
		bw.WriteByte(0) // not quantized
		i64(int64(len(data) / int(a.Dim)))
		i64(int64(a.Dim))
		for _, v := range data {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			bw.Write(buf[:4])
		}
	}
	matrix(m.Input)
	matrix(m.Output)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fasttext: write: %w", err)
	}
	return nil
}
