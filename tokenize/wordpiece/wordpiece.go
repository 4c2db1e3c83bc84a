// Package wordpiece implements the WordPiece model of BERT: greedy
// longest-match-first segmentation of a word into vocabulary tokens, with
// a continuation prefix ("##") on every token but the first, and training
// of a vocabulary from text.
//
// A Model encodes one pre-tokenized word at a time; BERT's normalizer and
// pre-tokenizer, and the [CLS]/[SEP] template, live in package tokenize. To
// start:
//
//	vocab, err := wordpiece.ReadVocab(f)            // a BERT vocab.txt
//	m, err := wordpiece.New(vocab, wordpiece.Options{})
//	ids, err := m.AppendIDs(nil, "unaffable")       // una ##ffa ##ble
//
// A Model is safe for concurrent use and allocates nothing per word beyond
// the slice it appends to.
package wordpiece

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options configures a Model. Zero fields take BERT's defaults.
type Options struct {
	// UnkToken replaces words that cannot be segmented ("[UNK]").
	UnkToken string
	// ContinuingSubwordPrefix marks tokens inside a word ("##").
	ContinuingSubwordPrefix string
	// MaxInputCharsPerWord: longer words become UnkToken (100).
	MaxInputCharsPerWord int
}

func (o *Options) defaults() {
	if o.UnkToken == "" {
		o.UnkToken = "[UNK]"
	}
	if o.ContinuingSubwordPrefix == "" {
		o.ContinuingSubwordPrefix = "##"
	}
	if o.MaxInputCharsPerWord == 0 {
		o.MaxInputCharsPerWord = 100
	}
}

// Token is one token of an encoded word: its id and the byte range
// [Start, End) of the word it covers.
type Token struct {
	ID         int
	Start, End int
}

// Errors returned by the constructors and readers.
var (
	ErrFormat = errors.New("wordpiece: malformed vocabulary")
	// ErrMissingUnk: a word needs the unknown token and the vocabulary
	// does not have it.
	ErrMissingUnk = errors.New("wordpiece: unknown token not in vocabulary")
)

// Model is a WordPiece model.
type Model struct {
	opts   Options
	vocab  map[string]int32
	tokens []string // id → token; "" for unused ids
	unk    int32
	trie   trie
	root   int32 // node for word-initial tokens
	cont   int32 // node for continuation tokens (prefix stripped)
}

// New builds a model from a vocabulary (token → id).
func New(vocab map[string]int, opts Options) (*Model, error) {
	opts.defaults()
	m := &Model{opts: opts, vocab: make(map[string]int32, len(vocab))}
	maxID := -1
	for tok, id := range vocab {
		if id < 0 || id >= 1<<24 {
			return nil, fmt.Errorf("%w: id %d of %q out of range", ErrFormat, id, tok)
		}
		maxID = max(maxID, id)
	}
	m.tokens = make([]string, maxID+1)
	seen := make([]bool, maxID+1)
	for tok, id := range vocab {
		if seen[id] {
			a, b := min(tok, m.tokens[id]), max(tok, m.tokens[id])
			return nil, fmt.Errorf("%w: tokens %q and %q share id %d", ErrFormat, a, b, id)
		}
		seen[id] = true
		m.vocab[tok] = int32(id)
		m.tokens[id] = tok
	}
	m.unk = -1
	if unk, ok := m.vocab[opts.UnkToken]; ok {
		m.unk = unk
	}
	m.buildTrie()
	return m, nil
}

// buildTrie indexes every token from the word-initial root and every token
// that starts with the prefix, prefix removed, from the continuation root.
func (m *Model) buildTrie() {
	n := 0
	for tok := range m.vocab {
		n += len(tok)
	}
	m.trie = newTrie(n)
	m.root = m.trie.newNode()
	m.cont = m.trie.newNode()
	// Insert in sorted order so the trie does not depend on map order.
	keys := make([]string, 0, len(m.vocab))
	for tok := range m.vocab {
		keys = append(keys, tok)
	}
	sort.Strings(keys)
	p := m.opts.ContinuingSubwordPrefix
	for _, tok := range keys {
		id := m.vocab[tok]
		m.trie.insert(m.root, tok, id)
		if rest, ok := strings.CutPrefix(tok, p); ok && rest != "" {
			m.trie.insert(m.cont, rest, id)
		}
	}
}

// ReadVocab reads a vocab.txt file: one token per line (trailing white
// space removed), the id being the line number from 0. A token that
// appears twice takes the id of its last line, as in Hugging Face
// tokenizers.
func ReadVocab(r io.Reader) (map[string]int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	v := map[string]int{}
	id := 0
	for sc.Scan() {
		line := strings.TrimRightFunc(sc.Text(), unicode.IsSpace)
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%w: line %d is not UTF-8", ErrFormat, id+1)
		}
		v[line] = id
		id++
		if id > 1<<24 {
			return nil, fmt.Errorf("%w: too many lines", ErrFormat)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read vocab: %w", err)
	}
	if id == 0 {
		return nil, fmt.Errorf("%w: empty vocabulary", ErrFormat)
	}
	return v, nil
}

// WriteVocab writes vocab.txt: the tokens in id order, one per line.
// Unused ids are written as empty lines so that ids are kept.
func (m *Model) WriteVocab(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, t := range m.tokens {
		bw.WriteString(t)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Options returns the model's options.
func (m *Model) Options() Options { return m.opts }

// VocabSize returns one more than the largest id.
func (m *Model) VocabSize() int { return len(m.tokens) }

// Vocab returns a copy of the vocabulary.
func (m *Model) Vocab() map[string]int {
	v := make(map[string]int, len(m.vocab))
	for t, id := range m.vocab {
		v[t] = int(id)
	}
	return v
}

// TokenToID returns the id of a token.
func (m *Model) TokenToID(tok string) (int, bool) {
	id, ok := m.vocab[tok]
	return int(id), ok
}

// IDToToken returns the token of an id.
func (m *Model) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(m.tokens) || m.tokens[id] == "" {
		return "", false
	}
	return m.tokens[id], true
}

// AppendTokens appends the tokens of word to dst: the longest vocabulary
// token at the start, then the longest continuation token, and so on; a
// word that cannot be covered, or has more than MaxInputCharsPerWord
// characters, becomes one unknown token. It fails with ErrMissingUnk only
// when a word needs the unknown token and the vocabulary lacks it.
func (m *Model) AppendTokens(dst []Token, word string) ([]Token, error) {
	if word == "" {
		return dst, nil
	}
	if len(word) > m.opts.MaxInputCharsPerWord && utf8.RuneCountInString(word) > m.opts.MaxInputCharsPerWord {
		return m.appendUnk(dst, len(word))
	}
	n := len(dst)
	for start := 0; start < len(word); {
		node := m.root
		if start > 0 {
			node = m.cont
		}
		id, end := m.trie.longest(node, word, start)
		if id < 0 {
			return m.appendUnk(dst[:n], len(word))
		}
		dst = append(dst, Token{ID: int(id), Start: start, End: end})
		start = end
	}
	return dst, nil
}

func (m *Model) appendUnk(dst []Token, n int) ([]Token, error) {
	if m.unk < 0 {
		return dst, fmt.Errorf("%w: %q", ErrMissingUnk, m.opts.UnkToken)
	}
	return append(dst, Token{ID: int(m.unk), Start: 0, End: n}), nil
}

// AppendIDs appends the ids of word to dst (see AppendTokens).
func (m *Model) AppendIDs(dst []int, word string) ([]int, error) {
	if word == "" {
		return dst, nil
	}
	unk := func() ([]int, error) {
		if m.unk < 0 {
			return dst, fmt.Errorf("%w: %q", ErrMissingUnk, m.opts.UnkToken)
		}
		return append(dst, int(m.unk)), nil
	}
	if len(word) > m.opts.MaxInputCharsPerWord && utf8.RuneCountInString(word) > m.opts.MaxInputCharsPerWord {
		return unk()
	}
	n := len(dst)
	for start := 0; start < len(word); {
		node := m.root
		if start > 0 {
			node = m.cont
		}
		id, end := m.trie.longest(node, word, start)
		if id < 0 {
			dst = dst[:n]
			return unk()
		}
		dst = append(dst, int(id))
		start = end
	}
	return dst, nil
}

// trie is a byte trie with transitions in one open-addressing table keyed
// by node<<8 | byte.
type trie struct {
	keys  []uint64
	child []int32
	term  []int32 // node → token id ending there, or -1
	shift uint
	n     int
}

const emptyKey = ^uint64(0)

func newTrie(edges int) trie {
	b := bits.Len(uint(2*edges + 16))
	t := trie{keys: make([]uint64, 1<<b), child: make([]int32, 1<<b), shift: uint(64 - b)}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func (t *trie) newNode() int32 {
	t.term = append(t.term, -1)
	return int32(len(t.term) - 1)
}

func (t *trie) slot(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

func (t *trie) next(node int32, c byte) int32 {
	k := uint64(node)<<8 | uint64(c)
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.child[i]
		case emptyKey:
			return -1
		}
	}
}

func (t *trie) insert(node int32, s string, id int32) {
	mask := uint64(len(t.keys) - 1)
	for i := 0; i < len(s); i++ {
		k := uint64(node)<<8 | uint64(s[i])
		j := t.slot(k)
		for t.keys[j] != emptyKey && t.keys[j] != k {
			j = (j + 1) & mask
		}
		if t.keys[j] == k {
			node = t.child[j]
			continue
		}
		c := t.newNode()
		t.keys[j], t.child[j] = k, c
		t.n++
		node = c
	}
	if t.term[node] < 0 {
		t.term[node] = id
	}
}

// longest returns the id and end of the longest token that matches s from
// start, walking from node, or -1.
func (t *trie) longest(node int32, s string, start int) (int32, int) {
	best, end := int32(-1), start
	for i := start; i < len(s); i++ {
		node = t.next(node, s[i])
		if node < 0 {
			break
		}
		if id := t.term[node]; id >= 0 {
			best, end = id, i+1
		}
	}
	return best, end
}
