package tokenize

import (
	"fmt"
	"unsafe"

	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// Token is one token of a piece: its id and the byte range [Start, End)
// of the piece's text it covers.
type Token struct {
	ID         int
	Start, End int
}

// A Model turns one pre-tokenized piece into tokens. Models must be safe
// for concurrent use.
type Model interface {
	// Tokenize appends the tokens of piece to dst.
	Tokenize(dst []Token, piece string) ([]Token, error)
	// TokenToID returns the id of a token string.
	TokenToID(token string) (int, bool)
	// IDToToken returns the token string of an id.
	IDToToken(id int) (string, bool)
	// VocabSize returns one more than the largest id.
	VocabSize() int
}

// idAppender is implemented by models with a fast path that produces ids
// without offsets.
type idAppender interface {
	appendIDs(dst []int, piece string) ([]int, error)
}

// BPE adapts a byte-pair-encoding model (package bpe) to the pipeline. A
// byte-level model reads the raw bytes of each piece; pair it with the
// ByteLevel pre-tokenizer and decoder.
type BPE struct{ *bpe.Model }

// bpe.Token and Token have the same fields in the same order, so BPE
// appends straight into the pipeline's buffer (a piece can be megabytes of
// tokens). The array lengths below fail to compile if the sizes differ.
var (
	_ [unsafe.Sizeof(Token{}) - unsafe.Sizeof(bpe.Token{})]struct{}
	_ [unsafe.Sizeof(bpe.Token{}) - unsafe.Sizeof(Token{})]struct{}
	_ [unsafe.Offsetof(Token{}.End) - unsafe.Offsetof(bpe.Token{}.End)]struct{}
)

// Tokenize encodes one piece.
func (m BPE) Tokenize(dst []Token, piece string) ([]Token, error) {
	b := unsafe.Slice((*bpe.Token)(unsafe.Pointer(unsafe.SliceData(dst))), cap(dst))[:len(dst)]
	b = m.Model.AppendTokens(b, piece)
	return unsafe.Slice((*Token)(unsafe.Pointer(unsafe.SliceData(b))), cap(b))[:len(b)], nil
}

func (m BPE) appendIDs(dst []int, piece string) ([]int, error) {
	return m.Model.AppendIDs(dst, piece), nil
}

// WordPiece adapts a WordPiece model (package wordpiece) to the pipeline.
type WordPiece struct{ *wordpiece.Model }

// Tokenize encodes one piece.
func (m WordPiece) Tokenize(dst []Token, piece string) ([]Token, error) {
	var buf [32]wordpiece.Token
	toks, err := m.Model.AppendTokens(buf[:0], piece)
	if err != nil {
		return dst, err
	}
	for _, t := range toks {
		dst = append(dst, Token{ID: t.ID, Start: t.Start, End: t.End})
	}
	return dst, nil
}

func (m WordPiece) appendIDs(dst []int, piece string) ([]int, error) {
	return m.Model.AppendIDs(dst, piece)
}

// WordLevel maps each piece to one token of its vocabulary, or to the
// unknown token.
type WordLevel struct {
	vocab  map[string]int
	tokens []string
	unk    string
	unkID  int
}

// NewWordLevel builds a WordLevel model; unk may be missing from the
// vocabulary, in which case an unknown piece is an error.
func NewWordLevel(vocab map[string]int, unk string) (*WordLevel, error) {
	m := &WordLevel{vocab: make(map[string]int, len(vocab)), unk: unk, unkID: -1}
	maxID := -1
	for tok, id := range vocab {
		if id < 0 || id >= 1<<24 {
			return nil, fmt.Errorf("tokenize: WordLevel id %d of %q out of range", id, tok)
		}
		maxID = max(maxID, id)
	}
	m.tokens = make([]string, maxID+1)
	seen := make([]bool, maxID+1)
	for tok, id := range vocab {
		if seen[id] {
			a, b := min(tok, m.tokens[id]), max(tok, m.tokens[id])
			return nil, fmt.Errorf("tokenize: WordLevel tokens %q and %q share id %d", a, b, id)
		}
		seen[id] = true
		m.vocab[tok] = id
		m.tokens[id] = tok
	}
	if id, ok := vocab[unk]; ok {
		m.unkID = id
	}
	return m, nil
}

// Tokenize maps the piece to its token.
func (m *WordLevel) Tokenize(dst []Token, piece string) ([]Token, error) {
	if piece == "" {
		return dst, nil
	}
	id, ok := m.vocab[piece]
	if !ok {
		if m.unkID < 0 {
			return dst, fmt.Errorf("tokenize: WordLevel: %q not in vocabulary and no unknown token %q", piece, m.unk)
		}
		id = m.unkID
	}
	return append(dst, Token{ID: id, Start: 0, End: len(piece)}), nil
}

// TokenToID returns the id of a token.
func (m *WordLevel) TokenToID(tok string) (int, bool) {
	id, ok := m.vocab[tok]
	return id, ok
}

// IDToToken returns the token of an id.
func (m *WordLevel) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(m.tokens) || m.tokens[id] == "" {
		return "", false
	}
	return m.tokens[id], true
}

// VocabSize returns one more than the largest id.
func (m *WordLevel) VocabSize() int { return len(m.tokens) }

// UnkToken returns the unknown token.
func (m *WordLevel) UnkToken() string { return m.unk }

// Vocab returns a copy of the vocabulary.
func (m *WordLevel) Vocab() map[string]int {
	v := make(map[string]int, len(m.vocab))
	for k, id := range m.vocab {
		v[k] = id
	}
	return v
}
