package bpe

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// maxRanks bounds the ids a rank or vocabulary file may use, so that a
// corrupt file cannot make a reader allocate without limit.
const maxRanks = 1 << 24

// ReadTiktoken reads a tiktoken rank file (lines of "base64-token rank") and
// returns a ranked byte-level model (see NewRanked). Ranks need not be
// dense; missing ranks are unused ids.
func ReadTiktoken(r io.Reader) (*Model, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	type entry struct {
		tok  string
		rank int
	}
	var entries []entry
	maxRank := -1
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		f := bytes.Fields(text)
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: tiktoken line %d: want \"token rank\", got %q", ErrFormat, line, truncate(text))
		}
		tok, err := base64.StdEncoding.DecodeString(string(f[0]))
		if err != nil || len(tok) == 0 {
			return nil, fmt.Errorf("%w: tiktoken line %d: bad base64 token %q", ErrFormat, line, truncate(f[0]))
		}
		rank, err := strconv.Atoi(string(f[1]))
		if err != nil || rank < 0 || rank >= maxRanks {
			return nil, fmt.Errorf("%w: tiktoken line %d: bad rank %q", ErrFormat, line, truncate(f[1]))
		}
		entries = append(entries, entry{string(tok), rank})
		maxRank = max(maxRank, rank)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read tiktoken: %w", err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: tiktoken file has no tokens", ErrFormat)
	}
	if maxRank >= 4*len(entries)+1024 {
		return nil, fmt.Errorf("%w: tiktoken ranks are too sparse (%d tokens, largest rank %d)", ErrFormat, len(entries), maxRank)
	}
	tokens := make([]string, maxRank+1)
	for _, e := range entries {
		if tokens[e.rank] != "" {
			return nil, fmt.Errorf("%w: tiktoken rank %d appears twice", ErrFormat, e.rank)
		}
		tokens[e.rank] = e.tok
	}
	return NewRanked(tokens)
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// WriteTiktoken writes the vocabulary as a tiktoken rank file, by id. It
// requires a byte-level model.
func (m *Model) WriteTiktoken(w io.Writer) error {
	if !m.opts.ByteLevel {
		return fmt.Errorf("bpe: WriteTiktoken needs a byte-level model")
	}
	bw := bufio.NewWriter(w)
	for id, t := range m.tokens {
		if !m.present[id] {
			continue
		}
		raw, ok := ByteLevelDecode(t)
		if !ok {
			continue // not a byte sequence (e.g. a special token)
		}
		bw.WriteString(base64.StdEncoding.EncodeToString([]byte(raw)))
		bw.WriteByte(' ')
		bw.WriteString(strconv.Itoa(id))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadVocab reads a vocab.json object (token → id).
func ReadVocab(r io.Reader) (map[string]int, error) {
	dec := json.NewDecoder(r)
	var v map[string]int
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: vocab.json: %v", ErrFormat, err)
	}
	if v == nil {
		return nil, fmt.Errorf("%w: vocab.json is not an object", ErrFormat)
	}
	for tok, id := range v {
		if id < 0 || id >= maxRanks {
			return nil, fmt.Errorf("%w: vocab.json: id %d of %q out of range", ErrFormat, id, tok)
		}
	}
	return v, nil
}

// ReadMerges reads a merges.txt file: an optional "#version" line, then one
// merge "A B" per line in rank order.
func ReadMerges(r io.Reader) ([]Merge, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []Merge
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "#version") {
			continue
		}
		if text == "" {
			// Blank lines (a trailing newline, or a final empty line)
			// carry no merge.
			continue
		}
		a, b, ok := strings.Cut(text, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("%w: merges line %d: want \"A B\", got %q", ErrFormat, line, truncate([]byte(text)))
		}
		out = append(out, Merge{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read merges: %w", err)
	}
	return out, nil
}

// ReadVocabMerges reads GPT-2's vocab.json and merges.txt (encoder.json and
// vocab.bpe in OpenAI's release) and builds a model with New.
func ReadVocabMerges(vocab, merges io.Reader, opts Options) (*Model, error) {
	v, err := ReadVocab(vocab)
	if err != nil {
		return nil, err
	}
	mg, err := ReadMerges(merges)
	if err != nil {
		return nil, err
	}
	return New(v, mg, opts)
}

// WriteVocab writes the vocabulary as a JSON object ordered by id.
func (m *Model) WriteVocab(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteByte('{')
	first := true
	for id, t := range m.tokens {
		if !m.present[id] {
			continue
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(t)
		bw.Write(k)
		bw.WriteByte(':')
		bw.WriteString(strconv.Itoa(id))
	}
	// Tokens that share an id with another are written after, in order.
	var extra []string
	for t, id := range m.byName {
		if m.tokens[id] != t {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	for _, t := range extra {
		k, _ := json.Marshal(t)
		bw.WriteByte(',')
		bw.Write(k)
		bw.WriteByte(':')
		bw.WriteString(strconv.Itoa(int(m.byName[t])))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// WriteMerges writes merges.txt: a "#version: 0.2" line, then the merges in
// rank order.
func (m *Model) WriteMerges(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("#version: 0.2\n")
	for _, mg := range m.Merges() {
		bw.WriteString(mg.A)
		bw.WriteByte(' ')
		bw.WriteString(mg.B)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
