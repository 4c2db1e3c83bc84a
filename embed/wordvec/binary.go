package wordvec

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadBinary reads the word2vec binary form: a text line "count dim", then
// per word the word, a space, and dim little-endian float32 values, with an
// optional newline after each vector (as word2vec and gensim write).
func ReadBinary(r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("%w: binary header: %v", ErrFormat, err)
	}
	f := strings.Fields(head)
	if len(f) != 2 {
		return nil, fmt.Errorf("%w: binary header %q is not \"count dim\"", ErrFormat, strings.TrimSpace(head))
	}
	n, err1 := strconv.Atoi(f[0])
	dim, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || n < 0 || dim <= 0 || dim > 1<<20 {
		return nil, fmt.Errorf("%w: binary header %q is not \"count dim\"", ErrFormat, strings.TrimSpace(head))
	}
	words := make([]string, 0, min(n, maxPrealloc))
	data := make([]float32, 0, min(n, maxPrealloc)*min(dim, 4096))
	raw := make([]byte, 4*dim)
	var word []byte
	for i := range n {
		word = word[:0]
		for {
			c, err := br.ReadByte()
			if err != nil {
				return nil, fmt.Errorf("%w: word %d of %d: %v (truncated file?)", ErrFormat, i+1, n, eofToUnexpected(err))
			}
			if c == ' ' {
				break
			}
			if c == '\n' && len(word) == 0 {
				continue
			}
			word = append(word, c)
			if len(word) > 1<<16 {
				return nil, fmt.Errorf("%w: word %d is longer than 64 KiB", ErrFormat, i+1)
			}
		}
		if len(word) == 0 {
			return nil, fmt.Errorf("%w: word %d is empty", ErrFormat, i+1)
		}
		if _, err := io.ReadFull(br, raw); err != nil {
			return nil, fmt.Errorf("%w: vector of %q: %v (truncated file?)", ErrFormat, word, eofToUnexpected(err))
		}
		for j := range dim {
			v := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: vector of %q holds a non-finite value", ErrFormat, word)
			}
			data = append(data, v)
		}
		words = append(words, string(word))
	}
	return New(words, dim, data), nil
}

func eofToUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WriteBinary writes the word2vec binary form, with a newline after each
// vector as word2vec does.
func WriteBinary(w io.Writer, t *Table) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "%d %d\n", t.Len(), t.Dim)
	raw := make([]byte, 4*t.Dim)
	for i, word := range t.Words {
		if err := checkWord(word); err != nil {
			return err
		}
		bw.WriteString(word)
		bw.WriteByte(' ')
		for j, v := range t.Row(i) {
			binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(v))
		}
		bw.Write(raw)
		if err := bw.WriteByte('\n'); err != nil {
			return fmt.Errorf("wordvec: write binary: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wordvec: write binary: %w", err)
	}
	return nil
}
