package tokenize

import (
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

// Tokenize encodes one piece.
func (m BPE) Tokenize(dst []Token, piece string) ([]Token, error) {
	var buf [64]bpe.Token
	toks := m.Model.AppendTokens(buf[:0], piece)
	for _, t := range toks {
		dst = append(dst, Token{ID: t.ID, Start: t.Start, End: t.End})
	}
	return dst, nil
}

func (m BPE) appendIDs(dst []int, piece string) ([]int, error) {
	return m.Model.AppendIDs(dst, piece), nil
}

// WordPiece adapts a WordPiece model (package wordpiece) to the pipeline.
type WordPiece struct{ *wordpiece.Model }

// Tokenize encodes one piece.
func (m WordPiece) Tokenize(dst []Token, piece string) ([]Token, error) {
	var buf [32]wordpiece.Token
	for _, t := range m.Model.AppendTokens(buf[:0], piece) {
		dst = append(dst, Token{ID: t.ID, Start: t.Start, End: t.End})
	}
	return dst, nil
}

func (m WordPiece) appendIDs(dst []int, piece string) ([]int, error) {
	return m.Model.AppendIDs(dst, piece), nil
}
