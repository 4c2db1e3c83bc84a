package tokenize

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/unigram"
)

// UnigramPiece is one entry of a Unigram vocabulary: a piece and its log
// probability.
type UnigramPiece struct {
	Piece string
	Score float64
}

// Unigram is Hugging Face's Unigram model: a vocabulary of pieces with
// log probabilities, from which Viterbi search picks the most probable
// segmentation of each piece of text. It encodes exactly as Hugging Face
// tokenizers does, which differs from SentencePiece (FromSentencePiece) in
// a few places: scores are summed in float64 and, of equal candidates, the
// first found is kept; every piece, the unknown one and control pieces
// included, can match the text; unknown characters score the lowest score
// of all pieces minus 10 and a run of them becomes one unknown token (or,
// with byte fallback, the bytes of the run); and a model without an
// unknown piece loads, and fails to encode text with a character that no
// piece covers. Pieces reach the model already normalized (SentencePiece's
// '▁' for spaces comes from a Metaspace pre-tokenizer).
type Unigram struct {
	pieces   []UnigramPiece
	byPiece  map[string]int
	trie     pieceTrie
	unkID    int
	unkScore float64
	// byteIDs[b] is the id of "<0xBB>", or -1.
	byteIDs      [256]int32
	byteFallback bool
}

// NewUnigram builds Hugging Face's Unigram model from a vocabulary in id
// order, the id of the unknown piece (-1 for none) and whether runs of
// unknown characters are written as byte pieces "<0xAB>" (when the
// vocabulary has all of their bytes).
func NewUnigram(pieces []UnigramPiece, unkID int, byteFallback bool) (*Unigram, error) {
	if len(pieces) == 0 {
		return nil, errors.New("tokenize: Unigram vocabulary is empty")
	}
	if unkID < -1 || unkID >= len(pieces) {
		return nil, fmt.Errorf("tokenize: Unigram unk_id %d outside the vocabulary of %d pieces", unkID, len(pieces))
	}
	if len(pieces) >= 1<<31 {
		return nil, fmt.Errorf("tokenize: Unigram vocabulary of %d pieces is too large", len(pieces))
	}
	u := &Unigram{
		pieces:       append([]UnigramPiece(nil), pieces...),
		byPiece:      make(map[string]int, len(pieces)),
		unkID:        unkID,
		byteFallback: byteFallback,
	}
	minScore := math.Inf(1)
	for i, pc := range pieces {
		if pc.Piece == "" {
			return nil, fmt.Errorf("tokenize: Unigram piece %d is empty", i)
		}
		if math.IsNaN(pc.Score) || math.IsInf(pc.Score, 0) {
			return nil, fmt.Errorf("tokenize: Unigram piece %d %q has score %v", i, pc.Piece, pc.Score)
		}
		if j, dup := u.byPiece[pc.Piece]; dup {
			return nil, fmt.Errorf("tokenize: Unigram piece %q has two ids, %d and %d", pc.Piece, j, i)
		}
		u.byPiece[pc.Piece] = i
		minScore = min(minScore, pc.Score)
	}
	u.unkScore = minScore - 10
	for b := range u.byteIDs {
		u.byteIDs[b] = -1
		if id, ok := u.byPiece[byteToPiece(byte(b))]; ok {
			u.byteIDs[b] = int32(id)
		}
	}
	u.trie = newPieceTrie(pieces)
	return u, nil
}

// byteToPiece returns the byte-fallback piece of b, <0xAB>.
func byteToPiece(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{'<', '0', 'x', digits[b>>4], digits[b&15], '>'})
}

// WrapUnigram returns Hugging Face's Unigram model over the vocabulary of a
// SentencePiece model, as Hugging Face's converter builds it (every piece
// with its score, the model's unknown id and byte fallback). Use
// FromSentencePiece to encode exactly as SentencePiece does.
func WrapUnigram(m *unigram.Model) *Unigram {
	pieces := make([]UnigramPiece, m.VocabSize())
	for id := range pieces {
		pieces[id] = UnigramPiece{Piece: m.IDToPiece(id), Score: float64(m.Score(id))}
	}
	u, err := NewUnigram(pieces, m.UnkID(), m.ByteFallback())
	if err != nil {
		// A loaded SentencePiece model has distinct, non-empty pieces
		// with finite scores.
		panic(fmt.Sprintf("tokenize: WrapUnigram: %v", err))
	}
	return u
}

// ErrNoUnknownPiece: a Unigram model without an unknown piece was given
// text with a character that no piece covers (Hugging Face's "Encountered
// an unknown token but unk_id is missing").
var ErrNoUnknownPiece = errors.New("tokenize: Unigram: a character has no piece and the model has no unknown piece (unk_id)")

// hfNode is the best path ending at a byte position.
type hfNode struct {
	score    float64
	startsAt int32 // -1: not reached
	id       int32
}

var hfScratch = sync.Pool{New: func() any { return new([]hfNode) }}

// Tokenize segments one piece.
func (u *Unigram) Tokenize(dst []Token, piece string) ([]Token, error) {
	if piece == "" {
		return dst, nil
	}
	sc := hfScratch.Get().(*[]hfNode)
	defer func() {
		if cap(*sc) <= 1<<16 {
			hfScratch.Put(sc)
		}
	}()
	size := len(piece)
	if cap(*sc) < size+1 {
		*sc = make([]hfNode, size+1)
	}
	best := (*sc)[:size+1]
	for i := range best {
		best[i] = hfNode{startsAt: -1}
	}
	for startsAt := 0; startsAt < size; {
		till := best[startsAt].score
		_, mblen := utf8.DecodeRuneInString(piece[startsAt:])
		single := false
		u.trie.prefixes(piece[startsAt:], func(n int, id int32) {
			cand := u.pieces[id].Score + till
			t := &best[startsAt+n]
			if t.startsAt < 0 || cand > t.score {
				*t = hfNode{score: cand, startsAt: int32(startsAt), id: id}
			}
			if n == mblen {
				single = true
			}
		})
		if !single {
			t := &best[startsAt+mblen]
			cand := u.unkScore + till
			if t.startsAt < 0 || cand > t.score {
				if u.unkID < 0 {
					return dst, fmt.Errorf("%w: %q", ErrNoUnknownPiece, piece[startsAt:startsAt+mblen])
				}
				*t = hfNode{score: cand, startsAt: int32(startsAt), id: int32(u.unkID)}
			}
		}
		startsAt += mblen
	}
	// Backtrack, fusing runs of unknown pieces into one string. The k-th
	// string from the end is kept in best[size-k]: the strings before it
	// end at or before that position, so the nodes still to be read are
	// never overwritten.
	path := 0
	for end := size; end > 0; {
		nd := best[end]
		start := int(nd.startsAt)
		if u.unkID >= 0 && int(nd.id) == u.unkID {
			for start > 0 && best[start].id == int32(u.unkID) {
				start = int(best[start].startsAt)
			}
		}
		best[size-path] = hfNode{startsAt: int32(start), id: int32(end)}
		path++
		end = start
	}
	// Look each string up as Hugging Face does.
	for k := path - 1; k >= 0; k-- {
		start, end := int(best[size-k].startsAt), int(best[size-k].id)
		s := piece[start:end]
		if id, ok := u.byPiece[s]; ok {
			dst = append(dst, Token{ID: id, Start: start, End: end})
			continue
		}
		if u.byteFallback && u.hasBytes(s) {
			for i := 0; i < len(s); i++ {
				dst = append(dst, Token{ID: int(u.byteIDs[s[i]]), Start: start, End: end})
			}
			continue
		}
		if u.unkID < 0 {
			return dst, fmt.Errorf("%w: %q", ErrNoUnknownPiece, s)
		}
		dst = append(dst, Token{ID: u.unkID, Start: start, End: end})
	}
	return dst, nil
}

// hasBytes reports whether every byte of s has a byte piece.
func (u *Unigram) hasBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if u.byteIDs[s[i]] < 0 {
			return false
		}
	}
	return true
}

// TokenToID returns the id of a piece.
func (u *Unigram) TokenToID(tok string) (int, bool) {
	id, ok := u.byPiece[tok]
	return id, ok
}

// IDToToken returns the piece of an id.
func (u *Unigram) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(u.pieces) {
		return "", false
	}
	return u.pieces[id].Piece, true
}

// VocabSize returns the number of pieces.
func (u *Unigram) VocabSize() int { return len(u.pieces) }

// Pieces returns a copy of the vocabulary in id order.
func (u *Unigram) Pieces() []UnigramPiece { return append([]UnigramPiece(nil), u.pieces...) }

// UnkID returns the id of the unknown piece, or -1.
func (u *Unigram) UnkID() int { return u.unkID }

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

// pieceTrie finds every piece that is a prefix of a text. Node 0 is the
// root; the children of node i are child[first[i]:first[i+1]], sorted by
// label, and value[i] is the id of the piece ending at node i, or -1.
type pieceTrie struct {
	root   [256]int32 // child of the root by byte, or -1
	first  []int32
	labels []byte
	child  []int32
	value  []int32
}

func newPieceTrie(pieces []UnigramPiece) pieceTrie {
	type kv struct {
		key string
		id  int32
	}
	keys := make([]kv, len(pieces))
	for i, p := range pieces {
		keys[i] = kv{p.Piece, int32(i)}
	}
	slices.SortFunc(keys, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	var t pieceTrie
	// Breadth-first: each entry is a node with the range of keys below
	// it and the depth of its label.
	type span struct {
		lo, hi, depth int
	}
	queue := []span{{0, len(keys), 0}}
	t.value = append(t.value, -1)
	for q := 0; q < len(queue); q++ {
		sp := queue[q]
		t.first = append(t.first, int32(len(t.child)))
		i := sp.lo
		if i < sp.hi && len(keys[i].key) == sp.depth {
			t.value[q] = keys[i].id
			i++
		}
		for i < sp.hi {
			c := keys[i].key[sp.depth]
			j := i
			for j < sp.hi && keys[j].key[sp.depth] == c {
				j++
			}
			t.labels = append(t.labels, c)
			t.child = append(t.child, int32(len(queue)))
			t.value = append(t.value, -1)
			queue = append(queue, span{i, j, sp.depth + 1})
			i = j
		}
	}
	t.first = append(t.first, int32(len(t.child)))
	for b := range t.root {
		t.root[b] = -1
	}
	for k := t.first[0]; k < t.first[1]; k++ {
		t.root[t.labels[k]] = t.child[k]
	}
	return t
}

// prefixes calls f with the length and id of every piece that is a prefix
// of s, shortest first.
func (t *pieceTrie) prefixes(s string, f func(n int, id int32)) {
	if s == "" {
		return
	}
	node := t.root[s[0]]
	for i := 1; ; i++ {
		if node < 0 {
			return
		}
		if v := t.value[node]; v >= 0 {
			f(i, v)
		}
		if i == len(s) {
			return
		}
		lo, hi := t.first[node], t.first[node+1]
		c := s[i]
		node = -1
		for lo < hi {
			mid := (lo + hi) / 2
			switch l := t.labels[mid]; {
			case l == c:
				node = t.child[mid]
				lo = hi
			case l < c:
				lo = mid + 1
			default:
				hi = mid
			}
		}
	}
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
// SentencePiece does with the model of a .model file (see package unigram),
// Unigram or BPE: its normalizer, segmentation and decoding, with offsets
// into the original text. It cannot be saved as tokenizer.json;
// NewUnigramTokenizer builds Hugging Face's equivalent pipeline of a
// Unigram model, which can.
func FromSentencePiece(m *unigram.Model) *Tokenizer {
	return &Tokenizer{Model: SentencePiece{m}, Decoder: spmDecoder{m}}
}

// FromSentencePieceFile loads a SentencePiece .model file (Unigram or BPE)
// and returns FromSentencePiece of it.
func FromSentencePieceFile(path string) (*Tokenizer, error) {
	m, err := unigram.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return FromSentencePiece(m), nil
}

// NewUnigramTokenizer returns the pipeline that Hugging Face's converter
// (transformers' SpmConverter) builds for a SentencePiece Unigram model: the
// model's precompiled character map, right strip, runs of spaces turned
// into '▁', Metaspace pre-tokenization and decoding. Unlike
// FromSentencePiece it can be saved as tokenizer.json; results can differ
// from SentencePiece's where Hugging Face's pipeline does (white space
// handling at the edges of the text).
func NewUnigramTokenizer(m *unigram.Model) (*Tokenizer, error) {
	if m.ModelType() != unigram.ModelUnigram {
		return nil, errors.New("tokenize: NewUnigramTokenizer needs a Unigram model, not BPE (FromSentencePiece encodes both)")
	}
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
