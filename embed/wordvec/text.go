package wordvec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/goformer/goformer/internal/atomicfile"
)

// ErrFormat is wrapped by every error about a malformed vectors file.
var ErrFormat = errors.New("wordvec: bad format")

// maxPrealloc caps the rows reserved from a header before they are read, so
// that a corrupt header cannot make a reader allocate without bound.
const maxPrealloc = 1 << 20

// ReadText reads vectors in text form: the word2vec and fastText form (a
// first line "count dim", then "word v1 … vdim" per line) or the GloVe form
// (the same lines without the first). The form is told from the first line.
func ReadText(r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		words []string
		data  []float32
		dim   = -1
		want  = -1
		line  int
	)
	for {
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long line: gather it whole.
			full := append([]byte(nil), raw...)
			for err == bufio.ErrBufferFull {
				raw, err = br.ReadSlice('\n')
				full = append(full, raw...)
			}
			raw = full
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("wordvec: read text: %w", err)
		}
		if len(raw) == 0 && err == io.EOF {
			break
		}
		line++
		fields := bytes.Fields(raw)
		switch {
		case len(fields) == 0:
			// Blank lines are allowed.
		case line == 1 && len(fields) == 2 && isUint(fields[0]) && isUint(fields[1]):
			n, err1 := strconv.Atoi(string(fields[0]))
			d, err2 := strconv.Atoi(string(fields[1]))
			if err1 != nil || err2 != nil || d <= 0 && n > 0 {
				return nil, fmt.Errorf("%w: line 1: header %q", ErrFormat, bytes.TrimSpace(raw))
			}
			want, dim = n, d
			words = make([]string, 0, min(n, maxPrealloc))
			data = make([]float32, 0, min(n, maxPrealloc)*min(d, 4096))
		default:
			if dim < 0 {
				dim = len(fields) - 1
				if dim == 0 {
					return nil, fmt.Errorf("%w: line %d: a word without values", ErrFormat, line)
				}
			}
			if len(fields) != dim+1 {
				return nil, fmt.Errorf("%w: line %d: %d values, want %d", ErrFormat, line, len(fields)-1, dim)
			}
			if want >= 0 && len(words) == want {
				return nil, fmt.Errorf("%w: line %d: more than the %d words the header announces", ErrFormat, line, want)
			}
			for _, f := range fields[1:] {
				v, err := strconv.ParseFloat(string(f), 32)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%w: line %d: value %q is not a finite number", ErrFormat, line, f)
				}
				data = append(data, float32(v))
			}
			words = append(words, string(fields[0]))
		}
		if err == io.EOF {
			break
		}
	}
	if want >= 0 && len(words) != want {
		return nil, fmt.Errorf("%w: header announces %d words, found %d (truncated file?)", ErrFormat, want, len(words))
	}
	if dim < 0 {
		return nil, fmt.Errorf("%w: no vectors", ErrFormat)
	}
	return New(words, dim, data), nil
}

func isUint(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// WriteText writes the table in text form, with the "count dim" first line
// when header is true (word2vec, fastText .vec) and without it for GloVe.
// Values are written in the shortest form that reads back exactly. Words
// containing whitespace cannot be written and give an error.
func WriteText(w io.Writer, t *Table, header bool) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if header {
		fmt.Fprintf(bw, "%d %d\n", t.Len(), t.Dim)
	}
	buf := make([]byte, 0, 16*t.Dim+64)
	for i, word := range t.Words {
		if err := checkWord(word); err != nil {
			return err
		}
		buf = append(buf[:0], word...)
		for _, v := range t.Row(i) {
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("wordvec: write text: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wordvec: write text: %w", err)
	}
	return nil
}

func checkWord(word string) error {
	if word == "" || strings.IndexFunc(word, func(r rune) bool { return r < 128 && isSpaceByte(byte(r)) }) >= 0 {
		return fmt.Errorf("wordvec: word %q is empty or holds whitespace and cannot be written", word)
	}
	return nil
}

func isSpaceByte(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\v', '\f', 0:
		return true
	}
	return false
}

// Load reads a vectors file: the word2vec binary form if the name ends in
// ".bin", text otherwise. (A fastText .bin model is read by
// embed/fasttext.)
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // it names the file
	}
	defer f.Close()
	var t *Table
	if strings.HasSuffix(path, ".bin") {
		t, err = ReadBinary(f)
	} else {
		t, err = ReadText(f)
	}
	if err != nil {
		return nil, loadError(path, err)
	}
	return t, nil
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

// Save writes a vectors file: the word2vec binary form if the name ends in
// ".bin", GloVe text (no header) if it ends in ".txt" and glove is true,
// otherwise text with a header. It writes to a temporary file and renames
// it, so a failed save leaves no partial file.
func Save(path string, t *Table, glove bool) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		if strings.HasSuffix(path, ".bin") {
			return WriteBinary(w, t)
		}
		return WriteText(w, t, !glove)
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
