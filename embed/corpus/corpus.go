// Package corpus reads training text for the word-embedding trainers
// (embed/word2vec, embed/fasttext, embed/glove) and counts its vocabulary.
//
// A corpus is plain text: words are separated by whitespace (space, tab,
// newline, carriage return, vertical tab, form feed or NUL, as in word2vec
// and fastText) and each line is a sentence. Text is not lower-cased or
// split on punctuation here; prepare it beforehand. A Text can be read from
// several goroutines at once, each scanning its own byte range, which is how
// the trainers run on all cores:
//
//	text, err := corpus.Open("corpus.txt")
//	if err != nil { ... }
//	defer text.Close()
//	vocab, err := corpus.Count(ctx, text, corpus.CountOptions{MinCount: 5})
package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// MaxWordLen is the longest word, in bytes, that a Scanner returns; longer
// words are cut at the last whole UTF-8 character that fits.
const MaxWordLen = 1000

// Text is a corpus that can be read in parallel byte ranges.
type Text struct {
	r     io.ReaderAt
	size  int64
	close func() error
}

// NewText returns a Text that reads size bytes from r.
func NewText(r io.ReaderAt, size int64) *Text {
	if size < 0 {
		panic(fmt.Sprintf("corpus.NewText: negative size %d", size))
	}
	return &Text{r: r, size: size}
}

// FromString returns a Text that reads s.
func FromString(s string) *Text { return NewText(strings.NewReader(s), int64(len(s))) }

// FromBytes returns a Text that reads b; b must not change while it is used.
func FromBytes(b []byte) *Text { return NewText(bytes.NewReader(b), int64(len(b))) }

// Open opens the file at path as a Text. Close it when done.
func Open(path string) (*Text, error) {
	// Errors of the file system name the operation and the file already.
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("corpus: %s is not a regular file", path)
	}
	return &Text{r: f, size: st.Size(), close: f.Close}, nil
}

// Close releases the file behind a Text made by Open; it is a no-op
// otherwise.
func (t *Text) Close() error {
	if t.close == nil {
		return nil
	}
	c := t.close
	t.close = nil
	return c()
}

// Size is the length of the text in bytes.
func (t *Text) Size() int64 { return t.size }

// Split cuts the text into n byte ranges of about equal size, returned as
// n+1 boundaries. A word belongs to the range in which it starts, so the
// ranges can be scanned independently.
func (t *Text) Split(n int) []int64 {
	if n < 1 {
		n = 1
	}
	b := make([]int64, n+1)
	for i := range b {
		b[i] = t.size * int64(i) / int64(n)
	}
	return b
}

// IsSpace reports whether c separates words.
func IsSpace(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\v', '\f', 0:
		return true
	}
	return false
}

// Scanner reads the words of one byte range of a Text.
type Scanner struct {
	t     *Text
	end   int64 // words starting at or after end belong to the next range
	off   int64 // file offset of buf[0]
	buf   []byte
	pos   int // next byte to look at in buf
	n     int // valid bytes in buf
	eof   bool
	err   error
	word  []byte
	first bool
}

// ErrScan wraps read errors met by a Scanner.
var ErrScan = errors.New("corpus: read error")

// Scan returns a Scanner over the words that start in [start, end).
func (t *Text) Scan(start, end int64) *Scanner {
	if start < 0 || end > t.size || start > end {
		panic(fmt.Sprintf("corpus.Scan: range [%d, %d) outside text of %d bytes", start, end, t.size))
	}
	return &Scanner{t: t, off: start, end: end, buf: make([]byte, 64<<10), first: start > 0}
}

func (s *Scanner) fill() {
	if s.eof {
		return
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.n])
		s.off += int64(s.pos)
		s.n -= s.pos
		s.pos = 0
	}
	for s.n < len(s.buf) && !s.eof {
		want := len(s.buf) - s.n
		if rem := s.t.size - (s.off + int64(s.n)); rem < int64(want) {
			want = int(rem)
		}
		if want <= 0 {
			s.eof = true
			break
		}
		k, err := s.t.r.ReadAt(s.buf[s.n:s.n+want], s.off+int64(s.n))
		s.n += k
		if err != nil && !(err == io.EOF && k == want) {
			if err == io.EOF {
				s.eof = true
				break
			}
			s.err = fmt.Errorf("%w at byte %d: %w", ErrScan, s.off+int64(s.n), err)
			s.eof = true
			break
		}
		if k == 0 {
			s.eof = true
		}
		break
	}
}

// peek returns the byte at s.pos, refilling the buffer; ok is false at the
// end of the text.
func (s *Scanner) peek() (byte, bool) {
	if s.pos >= s.n {
		s.fill()
		if s.pos >= s.n {
			return 0, false
		}
	}
	return s.buf[s.pos], true
}

// Next returns the next word, or eol=true at the end of a line. ok is false
// when the range is exhausted (check Err then). The word is valid until the
// next call.
func (s *Scanner) Next() (word []byte, eol, ok bool) {
	if s.first {
		s.first = false
		// Skip a word cut by the start of the range: it belongs to the
		// previous range.
		var prev [1]byte
		if _, err := s.t.r.ReadAt(prev[:], s.off-1); err != nil {
			s.err = fmt.Errorf("%w at byte %d: %w", ErrScan, s.off-1, err)
			return nil, false, false
		}
		if !IsSpace(prev[0]) {
			for {
				c, ok := s.peek()
				if !ok || IsSpace(c) {
					break
				}
				s.pos++
			}
		}
	}
	for {
		c, more := s.peek()
		if !more {
			return nil, false, false
		}
		if s.off+int64(s.pos) >= s.end {
			return nil, false, false
		}
		if c == '\n' {
			s.pos++
			return nil, true, true
		}
		if !IsSpace(c) {
			break
		}
		s.pos++
	}
	// A word starts at s.pos.
	start := s.pos
	for {
		for s.pos < s.n && !IsSpace(s.buf[s.pos]) {
			s.pos++
		}
		if s.pos < s.n || s.eof {
			return truncate(s.buf[start:s.pos]), false, true
		}
		if s.pos-start > MaxWordLen {
			// Too long: keep the prefix, skip the rest.
			s.word = append(s.word[:0], s.buf[start:start+MaxWordLen+1]...)
			for {
				c, ok := s.peek()
				if !ok || IsSpace(c) {
					break
				}
				s.pos++
			}
			return truncate(s.word), false, true
		}
		// Move the partial word to the front of the buffer and read more.
		k := s.pos - start
		s.pos = start
		s.fill()
		start, s.pos = 0, k
	}
}

// Err returns the first read error met, if any.
func (s *Scanner) Err() error { return s.err }

func truncate(w []byte) []byte {
	if len(w) <= MaxWordLen {
		return w
	}
	w = w[:MaxWordLen]
	// Drop a character cut in the middle.
	for i := len(w) - 1; i >= 0 && i >= len(w)-utf8.UTFMax; i-- {
		if utf8.RuneStart(w[i]) {
			if !utf8.FullRune(w[i:]) {
				return w[:i]
			}
			break
		}
	}
	return w
}
