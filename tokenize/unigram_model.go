package tokenize

import (
	"fmt"
	"math"
	"regexp"

	"github.com/goformer/goformer/tokenize/unigram"
)

// UnigramPiece is one entry of a Unigram vocabulary: a piece and its log
// probability.
type UnigramPiece struct {
	Piece string
	Score float64
}

// Unigram adapts a Unigram language model (package unigram) to the
// pipeline. Pieces reach the model already normalized (SentencePiece's '▁'
// for spaces comes from a Metaspace pre-tokenizer or the SentencePiece
// normalizer), and Viterbi search finds the most probable segmentation.
type Unigram struct {
	m            *unigram.Model
	pieces       []UnigramPiece // as given (tokenizer.json), for writing
	unkID        int
	byteFallback bool
	// hfOffsets gives every byte piece of a run of unknown characters
	// the span of the whole run, as Hugging Face tokenizers does; without
	// it the pieces keep SentencePiece's per-character spans.
	hfOffsets bool
}

// NewUnigram builds a Unigram model from a vocabulary in id order, the id
// of the unknown piece (-1 for none) and whether unknown characters fall back
// to byte pieces "<0xAB>".
func NewUnigram(pieces []UnigramPiece, unkID int, byteFallback bool) (*Unigram, error) {
	if len(pieces) == 0 {
		return nil, fmt.Errorf("tokenize: Unigram vocabulary is empty")
	}
	if unkID >= len(pieces) {
		return nil, fmt.Errorf("tokenize: Unigram unk_id %d outside the vocabulary of %d", unkID, len(pieces))
	}
	p := &unigram.ModelProto{}
	p.Normalizer.AddDummyPrefix = false
	p.Normalizer.RemoveExtraWhitespaces = false
	p.Normalizer.EscapeWhitespaces = false
	p.Trainer.ModelType = unigram.ModelUnigram
	p.Trainer.ByteFallback = byteFallback
	p.Trainer.UnkID = int32(unkID)
	seen := map[string]bool{}
	for i, pc := range pieces {
		if math.IsNaN(pc.Score) || math.IsInf(pc.Score, 0) {
			return nil, fmt.Errorf("tokenize: Unigram piece %d %q has score %v", i, pc.Piece, pc.Score)
		}
		if seen[pc.Piece] {
			return nil, fmt.Errorf("tokenize: Unigram piece %q appears twice", pc.Piece)
		}
		seen[pc.Piece] = true
		t := unigram.Normal
		switch {
		case i == unkID:
			t = unigram.Unknown
		case byteFallback && isBytePiece(pc.Piece):
			t = unigram.Byte
		}
		p.Pieces = append(p.Pieces, unigram.PieceProto{Piece: pc.Piece, Score: float32(pc.Score), Type: t})
	}
	m, err := unigram.NewModel(p)
	if err != nil {
		return nil, fmt.Errorf("tokenize: Unigram: %w", err)
	}
	return &Unigram{m: m, pieces: append([]UnigramPiece(nil), pieces...), unkID: unkID, byteFallback: byteFallback, hfOffsets: true}, nil
}

func isBytePiece(s string) bool {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return false
	}
	for _, c := range s[3:5] {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// WrapUnigram wraps a model loaded from a SentencePiece .model file. Use
// FromSentencePiece for a whole tokenizer with SentencePiece's normalizer.
func WrapUnigram(m *unigram.Model) *Unigram {
	u := &Unigram{m: m, unkID: m.UnkID(), byteFallback: m.ByteFallback()}
	for id := 0; id < m.VocabSize(); id++ {
		u.pieces = append(u.pieces, UnigramPiece{Piece: m.IDToPiece(id), Score: float64(m.Score(id))})
	}
	return u
}

// Model returns the wrapped unigram model.
func (u *Unigram) Model() *unigram.Model { return u.m }

// Tokenize segments one piece.
func (u *Unigram) Tokenize(dst []Token, piece string) ([]Token, error) {
	if piece == "" {
		return dst, nil
	}
	n := len(dst)
	for _, p := range u.m.EncodeNormalized(piece) {
		if p.ID < 0 {
			return dst, fmt.Errorf("tokenize: Unigram: %q has an unknown character and the model has no unknown piece", piece)
		}
		dst = append(dst, Token{ID: p.ID, Start: p.Start, End: p.End})
	}
	if u.hfOffsets && u.byteFallback {
		// Widen each run of adjacent byte pieces to the run's span.
		toks := dst[n:]
		for i := 0; i < len(toks); {
			if u.m.Type(toks[i].ID) != unigram.Byte {
				i++
				continue
			}
			j := i
			for j+1 < len(toks) && u.m.Type(toks[j+1].ID) == unigram.Byte && toks[j+1].Start <= toks[j].End {
				j++
			}
			s, e := toks[i].Start, toks[j].End
			for k := i; k <= j; k++ {
				toks[k].Start, toks[k].End = s, e
			}
			i = j + 1
		}
	}
	return dst, nil
}

// TokenToID returns the id of a piece.
func (u *Unigram) TokenToID(tok string) (int, bool) {
	id := u.m.PieceToID(tok)
	if id < 0 || id >= u.m.VocabSize() || u.m.IDToPiece(id) != tok {
		return 0, false
	}
	return id, true
}

// IDToToken returns the piece of an id.
func (u *Unigram) IDToToken(id int) (string, bool) {
	if id < 0 || id >= u.m.VocabSize() {
		return "", false
	}
	return u.m.IDToPiece(id), true
}

// VocabSize returns the number of pieces.
func (u *Unigram) VocabSize() int { return u.m.VocabSize() }

func (u *Unigram) json() any {
	vocab := make([]any, len(u.pieces))
	for i, p := range u.pieces {
		vocab[i] = []any{p.Piece, p.Score}
	}
	var unk any
	if u.unkID >= 0 {
		unk = u.unkID
	}
	return obj{{"type", "Unigram"}, {"unk_id", unk}, {"vocab", vocab}, {"byte_fallback", u.byteFallback}}
}

// SentencePiece adapts a model loaded from a SentencePiece .model file as
// a pipeline model that does its own normalization: it takes raw text and
// reports offsets into it, exactly as SentencePiece encodes. Use it with no
// normalizer or pre-tokenizer (FromSentencePiece does).
type SentencePiece struct{ *unigram.Model }

// Tokenize encodes a piece of raw text.
func (s SentencePiece) Tokenize(dst []Token, piece string) ([]Token, error) {
	for _, p := range s.Model.Encode(piece) {
		if p.ID < 0 {
			return dst, fmt.Errorf("tokenize: SentencePiece: %q has an unknown character and the model has no unknown piece", piece)
		}
		dst = append(dst, Token{ID: p.ID, Start: p.Start, End: p.End})
	}
	return dst, nil
}

func (s SentencePiece) appendIDs(dst []int, piece string) ([]int, error) {
	return s.Model.AppendIDs(dst, piece), nil
}

// TokenToID returns the id of a piece.
func (s SentencePiece) TokenToID(tok string) (int, bool) {
	id := s.Model.PieceToID(tok)
	if id < 0 || id >= s.Model.VocabSize() || s.Model.IDToPiece(id) != tok {
		return 0, false
	}
	return id, true
}

// IDToToken returns the piece of an id.
func (s SentencePiece) IDToToken(id int) (string, bool) {
	if id < 0 || id >= s.Model.VocabSize() {
		return "", false
	}
	return s.Model.IDToPiece(id), true
}

// spmDecoder decodes pieces as SentencePiece does (spaces, dummy prefix,
// byte pieces).
type spmDecoder struct{ m *unigram.Model }

func (d spmDecoder) Decode(tokens []string) ([]string, error) {
	return []string{d.m.DecodePieces(tokens)}, nil
}

// FromSentencePiece returns a tokenizer that encodes exactly as
// SentencePiece does with the model of a .model file (see package unigram):
// its normalizer, Viterbi segmentation and decoding, with offsets into the
// original text. It cannot be saved as tokenizer.json; NewUnigramTokenizer
// builds Hugging Face's equivalent pipeline, which can.
func FromSentencePiece(m *unigram.Model) *Tokenizer {
	return &Tokenizer{Model: SentencePiece{m}, Decoder: spmDecoder{m}}
}

// NewUnigramTokenizer returns the pipeline that Hugging Face's converter
// (transformers' SpmConverter) builds for a SentencePiece Unigram model: the
// model's precompiled character map, right strip, runs of spaces turned
// into '▁', Metaspace pre-tokenization and decoding. Unlike
// FromSentencePiece it can be saved as tokenizer.json; results can differ
// from SentencePiece's where Hugging Face's pipeline does (white space
// handling at the edges of the text).
func NewUnigramTokenizer(m *unigram.Model) (*Tokenizer, error) {
	var norms NormalizerSequence
	if cm := m.Proto().Normalizer.PrecompiledCharsmap; len(cm) > 0 {
		p, err := newPrecompiled(cm)
		if err != nil {
			return nil, err
		}
		norms = append(norms, p)
	}
	norms = append(norms, Strip{Right: true}, Replace{Regexp: regexp.MustCompile(" {2,}"), New: "▁"})
	ms := NewMetaspace()
	return &Tokenizer{
		Normalizer:   norms,
		PreTokenizer: ms,
		Model:        WrapUnigram(m),
		Decoder:      MetaspaceDecoder{Replacement: ms.Replacement, Prepend: ms.Prepend, Split: ms.Split},
	}, nil
}
