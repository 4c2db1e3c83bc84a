// Package tokenize turns text into token ids and back, with the pipeline of
// Hugging Face tokenizers and the exact results of tiktoken and Hugging Face
// for the models they share: byte-level BPE (GPT-2, cl100k, o200k),
// WordPiece (BERT) and Unigram (SentencePiece).
//
// A Tokenizer chains five stages, each an interface with ready-made
// implementations:
//
//	normalizer → pre-tokenizer → model → post-processor → decoder
//
// and produces an Encoding: ids, type ids, attention and special-token
// masks, word ids and offsets into the original text (bytes, or runes with
// RuneOffsets), with padding and truncation (overflowing windows with a
// stride). To start, take a shipped tokenizer:
//
//	tok := tokenize.GPT2()                 // or CL100K, O200K, BERTUncased, BERTCased
//	ids, err := tok.EncodeIDs("Hello, world!")
//	text, err := tok.Decode(ids, false)
//
// or load a Hugging Face tokenizer.json with FromFile (and write one with
// Save), a SentencePiece .model with FromSentencePieceFile, or train a new
// one with TrainBPE or TrainWordPiece (see also packages bpe, wordpiece and
// unigram, and the CLI `goformer tokenize`).
//
// Special tokens in the input. Text that reads like a special token
// (<|endoftext|>, [SEP]) may come from an untrusted user. What Encode does
// with it is the tokenizer's SpecialText, which a call can override in
// EncodeOptions (with AllowedSpecial and DisallowedSpecial sets, as
// tiktoken's allowed_special and disallowed_special):
//
//   - R50K, CL100K, O200K and GPT2 refuse it, as tiktoken's encode does:
//     Encode returns a *SpecialTokenError (errors.Is ErrSpecialToken) naming
//     the token and its byte offset, unless the call allows the token;
//     EncodeOrdinary reads it as plain text, as encode_ordinary does.
//   - Every other tokenizer (tokenizer.json, the BERT presets, trained and
//     SentencePiece ones) matches it, as Hugging Face does; set SpecialText
//     to SpecialAsText or SpecialRefuse, on the tokenizer or per call, for
//     untrusted input.
//
// The stages: normalizers BertNormalizer, Lowercase, NFC/NFD/NFKC/NFKD,
// StripAccents, Strip, Replace, Prepend, Precompiled and sequences;
// pre-tokenizers ByteLevel (with the hand-written GPT-2, cl100k and o200k
// patterns of package pattern), BertPreTokenizer, Whitespace,
// WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Metaspace, Split
// and sequences; models BPE, WordPiece, WordLevel, Unigram and
// SentencePiece; post-processors Template (and BERT's), RoBERTa's and
// ByteLevel's; decoders ByteLevel, WordPiece, Metaspace, BPE, ByteFallback,
// Fuse, Strip, Replace and sequences.
//
// Text is any Go string. Byte-level tokenizers encode invalid UTF-8 as its
// bytes, so decoding gives every byte back; elsewhere an invalid byte is a
// character of its own that no vocabulary has (BERT's normalizer removes it,
// as it removes U+FFFD). Offsets are byte ranges of the original text
// (special tokens added by post-processing, and padding, have {0, 0}); a
// byte-level token covering part of a character has its exact bytes, and
// RuneOffsets widens it to the character, as Hugging Face reports it.
//
// A configured Tokenizer is safe for concurrent use; EncodeBatch and
// DecodeBatch spread a batch over all cores. Changing its fields or adding
// tokens while other goroutines encode is not safe.
package tokenize

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Direction is the side padding or truncation applies to.
type Direction int

// Directions.
const (
	Right Direction = iota
	Left
)

// TruncationStrategy says which sequence of a pair loses tokens.
type TruncationStrategy int

// Truncation strategies, as in Hugging Face tokenizers.
const (
	// LongestFirst removes tokens from the longer sequence first.
	LongestFirst TruncationStrategy = iota
	// OnlyFirst truncates only the first sequence.
	OnlyFirst
	// OnlySecond truncates only the second sequence.
	OnlySecond
)

// Truncation limits the length of encodings. Tokens cut off are returned
// in Encoding.Overflowing as windows of MaxLength tokens overlapping by
// Stride.
type Truncation struct {
	// MaxLength is the maximum number of tokens, special tokens included.
	MaxLength int
	// Stride is the overlap between consecutive overflowing windows; it
	// must be less than MaxLength minus the special tokens.
	Stride    int
	Strategy  TruncationStrategy
	Direction Direction
}

// Padding pads encodings to a common length.
type Padding struct {
	// Length pads to this many tokens; 0 pads to the longest encoding of
	// the batch.
	Length int
	// PadToMultipleOf rounds the length up to a multiple (0: no rounding).
	PadToMultipleOf int
	Direction       Direction
	ID, TypeID      int
	Token           string
}

// Errors callers may branch on.
var (
	// ErrTruncation: truncation cannot satisfy the requested length.
	ErrTruncation = errors.New("tokenize: truncation error")
	// ErrUnknownID: Decode was given an id outside the vocabulary.
	ErrUnknownID = errors.New("tokenize: unknown token id")
	// ErrNoModel: the tokenizer has no model.
	ErrNoModel = errors.New("tokenize: tokenizer has no model")
)

// Tokenizer is a tokenization pipeline. Set its stages and options once,
// then use it from any number of goroutines.
type Tokenizer struct {
	Normalizer    Normalizer    // optional
	PreTokenizer  PreTokenizer  // optional
	Model         Model         // required
	PostProcessor PostProcessor // optional
	Decoder       Decoder       // optional
	Truncation    *Truncation   // optional
	Padding       *Padding      // optional
	// SpecialText says what Encode does with the text of a special token
	// ([SEP], <|endoftext|>) found in its input, unless a call's
	// EncodeOptions say otherwise. The zero value, SpecialDefault, means
	// SpecialMatch (Hugging Face's behaviour); R50K, CL100K and O200K set
	// SpecialRefuse (tiktoken's).
	SpecialText SpecialText

	added addedVocab
}

// New returns a tokenizer around a model, with no other stage.
func New(m Model) *Tokenizer { return &Tokenizer{Model: m} }

// EncodeOptions changes how one call encodes.
type EncodeOptions struct {
	// NoSpecialTokens skips the special tokens of the post-processor
	// ([CLS], [SEP]); Hugging Face's add_special_tokens=False.
	NoSpecialTokens bool
	// SpecialText overrides the tokenizer's SpecialText for this call:
	// what happens to the text of a special token found in the input.
	SpecialText SpecialText
	// AllowedSpecial names special tokens whose text in the input becomes
	// the special token, whatever SpecialText says (tiktoken's
	// allowed_special).
	AllowedSpecial []string
	// DisallowedSpecial names special tokens whose text in the input is
	// an error, whatever SpecialText says (tiktoken's
	// disallowed_special). A token may not be in both lists.
	DisallowedSpecial []string
}

// Encode encodes one sequence.
func (t *Tokenizer) Encode(text string) (*Encoding, error) {
	return t.EncodeWith(text, nil, EncodeOptions{})
}

// EncodeOrdinary encodes one sequence with the text of special tokens
// treated as plain text, as tiktoken's encode_ordinary does: it never
// matches a special token in the input and never refuses one.
func (t *Tokenizer) EncodeOrdinary(text string) (*Encoding, error) {
	return t.EncodeWith(text, nil, EncodeOptions{SpecialText: SpecialAsText})
}

// EncodePair encodes a pair of sequences (question and context, premise and
// hypothesis) into one Encoding.
func (t *Tokenizer) EncodePair(a, b string) (*Encoding, error) {
	return t.EncodeWith(a, &b, EncodeOptions{})
}

// EncodeWith encodes a sequence, or a pair if pair is not nil, with options.
func (t *Tokenizer) EncodeWith(text string, pair *string, opts EncodeOptions) (*Encoding, error) {
	e, err := t.encodeUnpadded(text, pair, opts)
	if err != nil {
		return nil, err
	}
	if p := t.Padding; p != nil {
		n := len(e.IDs)
		if p.Length > 0 {
			n = p.Length
		}
		e.pad(roundUp(n, p.PadToMultipleOf), p)
	}
	return e, nil
}

func roundUp(n, m int) int {
	if m > 0 && n%m != 0 {
		n += m - n%m
	}
	return n
}

func (t *Tokenizer) encodeUnpadded(text string, pair *string, opts EncodeOptions) (*Encoding, error) {
	if t.Model == nil {
		return nil, ErrNoModel
	}
	pol, err := t.policy(&opts)
	if err != nil {
		return nil, err
	}
	// Room for the post-processor's special tokens lets it add them to a
	// single sequence in place instead of copying a long encoding.
	room := 0
	if pair == nil && !opts.NoSpecialTokens && t.PostProcessor != nil {
		room = max(0, t.PostProcessor.AddedTokens(false))
	}
	a, err := t.encodeSequence(text, 0, &pol, room)
	if err != nil {
		return nil, err
	}
	var b *Encoding
	if pair != nil {
		if b, err = t.encodeSequence(*pair, 1, &pol, 0); err != nil {
			return nil, err
		}
	}
	return t.postProcess(a, b, !opts.NoSpecialTokens)
}

// postProcess truncates, then adds special tokens.
func (t *Tokenizer) postProcess(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	if tr := t.Truncation; tr != nil {
		params := *tr
		if addSpecial && t.PostProcessor != nil {
			n := t.PostProcessor.AddedTokens(b != nil)
			if n > 0 {
				params.MaxLength -= n
				if params.MaxLength < 0 {
					params.MaxLength = 0
				}
			}
		}
		if err := truncatePair(a, b, params); err != nil {
			return nil, err
		}
	}
	if t.PostProcessor != nil {
		return t.PostProcessor.Process(a, b, addSpecial)
	}
	return defaultProcess(a, b), nil
}

// truncatePair applies the truncation strategy to a sequence or a pair, as
// Hugging Face tokenizers does.
func truncatePair(a, b *Encoding, p Truncation) error {
	if p.MaxLength == 0 {
		a.truncate(0, p.Stride, p.Direction)
		if b != nil {
			b.truncate(0, p.Stride, p.Direction)
		}
		return nil
	}
	if p.Stride >= p.MaxLength {
		return fmt.Errorf("%w: stride %d must be less than the length %d left after special tokens", ErrTruncation, p.Stride, p.MaxLength)
	}
	total := len(a.IDs)
	if b != nil {
		total += len(b.IDs)
	}
	if total <= p.MaxLength {
		return nil
	}
	remove := total - p.MaxLength
	switch p.Strategy {
	case LongestFirst:
		if b == nil {
			a.truncate(total-remove, p.Stride, p.Direction)
			return nil
		}
		n1, n2 := len(a.IDs), len(b.IDs)
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > p.MaxLength {
			n2 = n1
		} else {
			n2 = max(n1, p.MaxLength-n1)
		}
		if n1+n2 > p.MaxLength {
			n1 = p.MaxLength / 2
			n2 = n1 + p.MaxLength%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		if p.Stride >= n1 && n1 < len(a.IDs) || p.Stride >= n2 && n2 < len(b.IDs) {
			return fmt.Errorf("%w: stride %d is not less than a truncated length (%d, %d)", ErrTruncation, p.Stride, n1, n2)
		}
		a.truncate(n1, p.Stride, p.Direction)
		b.truncate(n2, p.Stride, p.Direction)
	case OnlyFirst, OnlySecond:
		target := a
		if p.Strategy == OnlySecond {
			if b == nil {
				return fmt.Errorf("%w: only_second needs a pair of sequences", ErrTruncation)
			}
			target = b
		}
		n := len(target.IDs)
		if n <= remove {
			return fmt.Errorf("%w: the sequence to truncate has %d tokens, %d must go", ErrTruncation, n, remove)
		}
		if p.Stride >= n-remove {
			return fmt.Errorf("%w: stride %d is not less than the truncated length %d", ErrTruncation, p.Stride, n-remove)
		}
		target.truncate(n-remove, p.Stride, p.Direction)
	default:
		return fmt.Errorf("%w: unknown strategy %d", ErrTruncation, p.Strategy)
	}
	return nil
}

// encodeSequence runs added-token matching, normalization,
// pre-tokenization and the model on one sequence.
// Its slices have capacity for room more tokens.
func (t *Tokenizer) encodeSequence(text string, seq int, pol *specialPolicy, room int) (*Encoding, error) {
	if err := t.checkRefused(text, seq, pol); err != nil {
		return nil, err
	}
	e := &Encoding{}
	e.texts[seq] = text
	est := len(text)/4 + 4 + room
	e.IDs = make([]int, 0, est)
	e.Offsets = make([]Offset, 0, est)
	e.WordIDs = make([]int, 0, est)
	sc := getTokenScratch()
	defer putTokenScratch(sc)
	buf := (*sc)[:0]
	w := 0
	err := t.eachPiece(text, true, pol, func(n Normalized, added int) error {
		if added >= 0 {
			s, en := n.OriginalRange(0, n.Len())
			e.IDs = append(e.IDs, added)
			e.Offsets = append(e.Offsets, Offset{s, en})
			e.WordIDs = append(e.WordIDs, w)
			w++
			return nil
		}
		var err error
		if buf, err = t.Model.Tokenize(buf[:0], n.text); err != nil {
			return err
		}
		for _, tok := range buf {
			s, en := n.OriginalRange(tok.Start, tok.End)
			e.IDs = append(e.IDs, tok.ID)
			e.Offsets = append(e.Offsets, Offset{s, en})
			e.WordIDs = append(e.WordIDs, w)
		}
		w++
		return nil
	})
	*sc = buf
	if err != nil {
		return nil, err
	}
	n := len(e.IDs)
	e.Tokens = make([]string, n, n+room)
	for i, id := range e.IDs {
		e.Tokens[i], _ = t.idToToken(id)
	}
	c := n + room
	if room > 0 {
		e.IDs, e.Offsets, e.WordIDs = slices.Grow(e.IDs, room), slices.Grow(e.Offsets, room), slices.Grow(e.WordIDs, room)
	}
	ints := make([]int, 4*c)
	e.TypeIDs, e.SequenceIDs, e.SpecialTokensMask, e.AttentionMask = ints[:n:c], ints[c:c+n:2*c], ints[2*c:2*c+n:3*c], ints[3*c:3*c+n]
	for i := 0; i < n; i++ {
		e.TypeIDs[i], e.SequenceIDs[i], e.AttentionMask[i] = seq, seq, 1
	}
	return e, nil
}

var tokenScratch = sync.Pool{New: func() any { s := make([]Token, 0, 256); return &s }}

func getTokenScratch() *[]Token { return tokenScratch.Get().(*[]Token) }

// putTokenScratch returns a buffer to the pool unless one huge piece grew
// it: the pool would keep that memory alive.
func putTokenScratch(sc *[]Token) {
	if cap(*sc) <= 1<<14 {
		tokenScratch.Put(sc)
	}
}

// eachPiece calls f for every piece of text in order, after added-token
// matching, normalization and pre-tokenization: the piece's normalized text
// (a view with its alignment) and, for an added token,
// its id (else -1). pol says which special tokens are matched. It stops at
// the first error f returns.
func (t *Tokenizer) eachPiece(text string, offsets bool, pol *specialPolicy, f func(n Normalized, added int) error) error {
	rs := asRangeSplitter(t.PreTokenizer)
	var err error
	sub := func(n Normalized) {
		if err != nil || n.Len() == 0 {
			return
		}
		if rs != nil {
			rs.eachPiece(n.text, func(s, e int) {
				if err == nil {
					err = f(n.Slice(s, e), -1)
				}
			})
			return
		}
		pt := PreTokenized{Pieces: []Piece{{Normalized: n}}}
		t.PreTokenizer.PreTokenize(&pt)
		for i := range pt.Pieces {
			if err != nil {
				return
			}
			pc := &pt.Pieces[i]
			if pc.tokenized {
				err = f(pc.Normalized, pc.tokens[0].ID)
			} else {
				err = f(pc.Normalized, -1)
			}
		}
	}
	chunked := len(text) > chunkSize && t.chunkable()
	segs := t.added.find(&t.added.raw, text, pol, nil)
	for _, sg := range segs {
		if err != nil {
			break
		}
		if sg.tok >= 0 {
			err = f(Normalized{text: text[sg.start:sg.end], base: sg.start}, t.added.tokens[sg.tok].ID)
			continue
		}
		if chunked {
			// Normalize a long segment a chunk at a time, so that memory
			// stays bounded whatever the length of a line.
			seg := text[sg.start:sg.end]
			for c0 := 0; c0 < len(seg) && err == nil; {
				c1 := chunkEnd(seg, c0)
				n := Normalized{text: seg[c0:c1], base: sg.start + c0, noAlign: !offsets}
				if t.Normalizer != nil {
					t.Normalizer.Normalize(&n)
				}
				sub(n)
				c0 = c1
			}
			continue
		}
		n := Normalized{text: text[sg.start:sg.end], base: sg.start, noAlign: !offsets}
		if t.Normalizer != nil {
			t.Normalizer.Normalize(&n)
		}
		if t.added.norm.n == 0 {
			sub(n)
			continue
		}
		for _, s2 := range t.added.find(&t.added.norm, n.text, pol, nil) {
			if err != nil {
				break
			}
			v := n.Slice(s2.start, s2.end)
			if s2.tok >= 0 {
				err = f(v, t.added.tokens[s2.tok].ID)
			} else {
				sub(v)
			}
		}
	}
	return err
}

// chunkSize is the length above which a plain segment of text is
// normalized in chunks, when the pipeline allows it.
const chunkSize = 64 << 10

// chunkable reports whether cutting the text before ASCII white space
// changes nothing: the normalizer works character by character and keeps
// white space (so no context crosses it), the pre-tokenizer splits at white
// space and drops it, and no added token is matched in normalized text
// (one could hold a space).
func (t *Tokenizer) chunkable() bool {
	if t.added.norm.n > 0 {
		return false
	}
	switch t.PreTokenizer.(type) {
	case BertPreTokenizer, Whitespace, WhitespaceSplit:
	default:
		return false
	}
	return localNormalizer(t.Normalizer)
}

// localNormalizer reports whether n rewrites each character (or combining
// sequence) on its own and keeps ASCII white space as white space.
func localNormalizer(n Normalizer) bool {
	switch x := n.(type) {
	case nil, BertNormalizer, Lowercase, UnicodeNormalizer, StripAccents:
		return true
	case NormalizerSequence:
		for _, e := range x {
			if !localNormalizer(e) {
				return false
			}
		}
		return true
	}
	return false
}

// chunkEnd returns where the chunk of s that starts at i ends: at the last
// ASCII white space byte at most chunkSize bytes on, else at the first one
// after that, else at the end of s.
func chunkEnd(s string, i int) int {
	if len(s)-i <= chunkSize {
		return len(s)
	}
	for j := i + chunkSize; j > i; j-- {
		if isASCIISpace(s[j]) {
			return j
		}
	}
	for j := i + chunkSize + 1; j < len(s); j++ {
		if isASCIISpace(s[j]) {
			return j
		}
	}
	return len(s)
}

func isASCIISpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// EncodeIDs returns the ids of Encode(text) without building the rest of
// the Encoding. For a byte-level BPE tokenizer without normalizer this takes
// a fast path that allocates only the result.
func (t *Tokenizer) EncodeIDs(text string) ([]int, error) {
	return t.AppendIDsWith(nil, text, EncodeOptions{})
}

// AppendIDs appends the ids of Encode(text) to dst.
func (t *Tokenizer) AppendIDs(dst []int, text string) ([]int, error) {
	return t.AppendIDsWith(dst, text, EncodeOptions{})
}

// AppendIDsWith appends the ids of EncodeWith(text, nil, opts) to dst.
func (t *Tokenizer) AppendIDsWith(dst []int, text string, opts EncodeOptions) ([]int, error) {
	if t.Model == nil {
		return nil, ErrNoModel
	}
	pol, err := t.policy(&opts)
	if err != nil {
		return nil, err
	}
	if opts.NoSpecialTokens && t.PostProcessor != nil && t.PostProcessor.AddedTokens(false) > 0 {
		e, err := t.EncodeWith(text, nil, opts)
		if err != nil {
			return nil, err
		}
		return append(dst, e.IDs...), nil
	}
	if err := t.checkRefused(text, 0, &pol); err != nil {
		return nil, err
	}
	if p, m, ok := t.fastIDs(); ok {
		segs := t.added.find(&t.added.raw, text, &pol, nil)
		var err error
		for _, sg := range segs {
			if sg.tok >= 0 {
				dst = append(dst, t.added.tokens[sg.tok].ID)
				continue
			}
			s := text[sg.start:sg.end]
			for i := 0; i < len(s); {
				j := p.nextPiece(s, i)
				if dst, err = m.appendIDs(dst, s[i:j]); err != nil {
					return nil, err
				}
				i = j
			}
		}
		return dst, nil
	}
	if prefix, suffix, ok := t.simpleSpecials(); ok {
		// No truncation or padding, and a post-processor that only adds
		// fixed tokens around the sequence: skip the Encoding.
		dst = append(dst, prefix...)
		m, fast := t.Model.(idAppender)
		sc := getTokenScratch()
		defer putTokenScratch(sc)
		buf := (*sc)[:0]
		// Metaspace's "first" scheme asks where a piece starts in the
		// original text, so it needs the alignment.
		err := t.eachPiece(text, needsAlignment(t.PreTokenizer), &pol, func(n Normalized, added int) error {
			var err error
			switch {
			case added >= 0:
				dst = append(dst, added)
			case fast:
				dst, err = m.appendIDs(dst, n.text)
			default:
				buf, err = t.Model.Tokenize(buf[:0], n.text)
				for _, tok := range buf {
					dst = append(dst, tok.ID)
				}
			}
			return err
		})
		*sc = buf
		if err != nil {
			return nil, err
		}
		return append(dst, suffix...), nil
	}
	e, err := t.EncodeWith(text, nil, opts)
	if err != nil {
		return nil, err
	}
	return append(dst, e.IDs...), nil
}

// needsAlignment reports whether a pre-tokenizer looks at original offsets.
func needsAlignment(p PreTokenizer) bool {
	switch x := p.(type) {
	case Metaspace:
		return x.Prepend == PrependFirst
	case PreTokenizerSequence:
		for _, e := range x {
			if needsAlignment(e) {
				return true
			}
		}
	}
	return false
}

// simpleSpecials returns the ids a post-processor puts before and after a
// single sequence, when that is all it does and there is no truncation or
// padding.
func (t *Tokenizer) simpleSpecials() (prefix, suffix []int, ok bool) {
	if t.Truncation != nil || t.Padding != nil {
		return nil, nil, false
	}
	switch p := t.PostProcessor.(type) {
	case nil:
		return nil, nil, true
	case *Template:
		seen := false
		for _, pc := range p.Single {
			if pc.Sequence == "A" {
				if seen {
					return nil, nil, false
				}
				seen = true
				continue
			}
			if pc.Sequence == "B" {
				return nil, nil, false
			}
			ids := p.Specials[pc.Special].IDs
			if seen {
				suffix = append(suffix, ids...)
			} else {
				prefix = append(prefix, ids...)
			}
		}
		return prefix, suffix, seen
	case ByteLevelProcessing:
		return nil, nil, true
	}
	return nil, nil, false
}

// fastIDs reports whether ids can be produced by splitting and encoding the
// raw text directly: no normalizer, a pure splitting pre-tokenizer, a model
// with an id fast path, no special tokens added, no truncation or padding.
func (t *Tokenizer) fastIDs() (piecer, idAppender, bool) {
	if t.Normalizer != nil || t.Truncation != nil || t.Padding != nil || t.added.norm.n > 0 {
		return nil, nil, false
	}
	if t.PostProcessor != nil && t.PostProcessor.AddedTokens(false) > 0 {
		return nil, nil, false
	}
	m, ok := t.Model.(idAppender)
	if !ok {
		return nil, nil, false
	}
	p := fastPiecer(t.PreTokenizer)
	if p == nil {
		return nil, nil, false
	}
	return p, m, true
}

type wholeText struct{}

func (wholeText) nextPiece(s string, _ int) int { return len(s) }

// fastPiecer returns the piecer equivalent to a pre-tokenizer, or nil.
func fastPiecer(pt PreTokenizer) piecer {
	switch p := pt.(type) {
	case nil:
		return wholeText{}
	case ByteLevel:
		if p.fastPath() {
			return p
		}
	case Split:
		if p.fastPath() {
			return p
		}
	case PreTokenizerSequence:
		// Split(pattern) followed by a pass-through ByteLevel, the
		// tokenizer.json form of cl100k and o200k.
		if len(p) == 2 {
			if s, ok := p[0].(Split); ok && s.fastPath() {
				if b, ok := p[1].(ByteLevel); ok && b.fastPath() && b.Pattern == 0 {
					return s
				}
			}
		}
		if len(p) == 1 {
			return fastPiecer(p[0])
		}
	}
	return nil
}

// EncodeBatch encodes many sequences in parallel over all cores. With
// padding of length 0, every encoding is padded to the longest.
func (t *Tokenizer) EncodeBatch(texts []string) ([]*Encoding, error) {
	return t.encodeBatch(len(texts), func(i int) (*Encoding, error) {
		return t.encodeUnpadded(texts[i], nil, EncodeOptions{})
	})
}

// EncodePairBatch encodes many pairs in parallel.
func (t *Tokenizer) EncodePairBatch(pairs [][2]string) ([]*Encoding, error) {
	return t.encodeBatch(len(pairs), func(i int) (*Encoding, error) {
		return t.encodeUnpadded(pairs[i][0], &pairs[i][1], EncodeOptions{})
	})
}

func (t *Tokenizer) encodeBatch(n int, enc func(i int) (*Encoding, error)) ([]*Encoding, error) {
	out := make([]*Encoding, n)
	var firstErr error
	var errOnce sync.Once
	parallel(n, func(i int) bool {
		e, err := enc(i)
		if err != nil {
			errOnce.Do(func() { firstErr = fmt.Errorf("batch item %d: %w", i, err) })
			return false
		}
		out[i] = e
		return true
	})
	if firstErr != nil {
		return nil, firstErr
	}
	if p := t.Padding; p != nil {
		length := p.Length
		if length == 0 {
			for _, e := range out {
				length = max(length, len(e.IDs))
			}
		}
		length = roundUp(length, p.PadToMultipleOf)
		for _, e := range out {
			e.pad(length, p)
		}
	}
	return out, nil
}

// EncodeIDsBatch returns the ids of many sequences, in parallel (with
// padding, as EncodeBatch pads them).
func (t *Tokenizer) EncodeIDsBatch(texts []string) ([][]int, error) {
	out := make([][]int, len(texts))
	if t.Padding != nil {
		es, err := t.EncodeBatch(texts)
		if err != nil {
			return nil, err
		}
		for i, e := range es {
			out[i] = e.IDs
		}
		return out, nil
	}
	var firstErr error
	var errOnce sync.Once
	parallel(len(texts), func(i int) bool {
		ids, err := t.EncodeIDs(texts[i])
		if err != nil {
			errOnce.Do(func() { firstErr = fmt.Errorf("batch item %d: %w", i, err) })
			return false
		}
		out[i] = ids
		return true
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// parallel runs f(0..n-1) on GOMAXPROCS goroutines, handing out items in
// small chunks; it stops early when f returns false.
func parallel(n int, f func(i int) bool) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if !f(i) {
				return
			}
		}
		return
	}
	chunk := max(1, min(64, n/(workers*8)))
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				s := int(next.Add(int64(chunk))) - chunk
				if s >= n {
					return
				}
				for i := s; i < min(s+chunk, n); i++ {
					if !f(i) {
						stop.Store(true)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// idToToken returns the string of id: an added token or the model's.
func (t *Tokenizer) idToToken(id int) (string, bool) {
	if i, ok := t.added.byID[id]; ok {
		return t.added.tokens[i].Content, true
	}
	return t.Model.IDToToken(id)
}

// IDToToken returns the token string of an id.
func (t *Tokenizer) IDToToken(id int) (string, bool) { return t.idToToken(id) }

// TokenToID returns the id of a token string, added tokens first.
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	if i, ok := t.added.byText[tok]; ok {
		return t.added.tokens[i].ID, true
	}
	return t.Model.TokenToID(tok)
}

// VocabSize returns the number of ids, added tokens included.
func (t *Tokenizer) VocabSize() int {
	n := t.Model.VocabSize()
	for _, a := range t.added.tokens {
		n = max(n, a.ID+1)
	}
	return n
}

// Decode turns ids back into text. With skipSpecial, special added tokens
// are left out. An id outside the vocabulary is an error (ErrUnknownID).
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) (string, error) {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		s, ok := t.idToToken(id)
		if !ok {
			return "", fmt.Errorf("%w: %d", ErrUnknownID, id)
		}
		if skipSpecial && t.added.special[id] {
			continue
		}
		toks = append(toks, s)
	}
	if t.Decoder == nil {
		return joinSpace(toks), nil
	}
	parts, err := t.Decoder.Decode(toks)
	if err != nil {
		return "", err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return string(b), nil
}

func joinSpace(toks []string) string {
	n := 0
	for _, s := range toks {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(b)
}

// DecodeBatch decodes many id sequences in parallel.
func (t *Tokenizer) DecodeBatch(batch [][]int, skipSpecial bool) ([]string, error) {
	out := make([]string, len(batch))
	var firstErr error
	var errOnce sync.Once
	parallel(len(batch), func(i int) bool {
		s, err := t.Decode(batch[i], skipSpecial)
		if err != nil {
			errOnce.Do(func() { firstErr = fmt.Errorf("batch item %d: %w", i, err) })
			return false
		}
		out[i] = s
		return true
	})
	return out, firstErr
}
