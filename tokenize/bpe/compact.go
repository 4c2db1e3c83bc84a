package bpe

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The compact rank format stores the tokens of a ranked model as raw bytes
// in rank order, half the size of a tiktoken file: the magic "GFRANKS1",
// a uvarint count, then per rank a uvarint length and the bytes (length 0
// for an unused rank).
const compactMagic = "GFRANKS1"

// WriteCompact writes a ranked model in the compact rank format.
func (m *Model) WriteCompact(w io.Writer) error {
	if !m.ranked {
		return errors.New("bpe: WriteCompact needs a ranked model")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(compactMagic)
	var buf [binary.MaxVarintLen64]byte
	bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(m.tokens)))])
	for id := range m.tokens {
		var t string
		if m.present[id] {
			t = m.raw.keyOf(int32(id))
		}
		bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(t)))])
		bw.WriteString(t)
	}
	return bw.Flush()
}

// ReadCompact reads a model written by WriteCompact.
func ReadCompact(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(compactMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != compactMagic {
		return nil, fmt.Errorf("%w: not a compact rank file", ErrFormat)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n == 0 || n > maxRanks {
		return nil, fmt.Errorf("%w: compact rank file: bad token count", ErrFormat)
	}
	tokens := make([]string, n)
	var buf []byte
	for i := range tokens {
		l, err := binary.ReadUvarint(br)
		if err != nil || l > 1<<16 {
			return nil, fmt.Errorf("%w: compact rank file: bad length at rank %d", ErrFormat, i)
		}
		buf = append(buf[:0], make([]byte, l)...)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("%w: compact rank file truncated at rank %d", ErrFormat, i)
		}
		tokens[i] = string(buf)
	}
	return NewRanked(tokens)
}
