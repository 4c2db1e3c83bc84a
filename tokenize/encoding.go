package tokenize

import (
	"fmt"
	"unicode/utf8"
)

// Offset is a half-open range [Start, End) of positions in a text.
type Offset struct{ Start, End int }

// Encoding is the output of the tokenizer for one input (a sequence or a
// pair of sequences), one entry per token in every slice.
type Encoding struct {
	// IDs are the token ids.
	IDs []int
	// TypeIDs are the segment ids (0 for the first sequence, 1 for the
	// second in BERT's convention).
	TypeIDs []int
	// Tokens are the token strings as the vocabulary writes them.
	Tokens []string
	// Offsets are byte ranges into the original text of the token's
	// sequence; added special tokens and padding have {0, 0}.
	Offsets []Offset
	// WordIDs is the index of the pre-tokenized piece each token comes
	// from within its sequence, -1 for special tokens and padding.
	WordIDs []int
	// SequenceIDs is 0 or 1 for the sequence each token comes from, -1
	// for special tokens and padding.
	SequenceIDs []int
	// SpecialTokensMask is 1 for tokens added by post-processing and
	// padding, 0 otherwise.
	SpecialTokensMask []int
	// AttentionMask is 1 for real tokens and 0 for padding.
	AttentionMask []int
	// Overflowing holds the windows cut off by truncation, each a full
	// Encoding (with special tokens and padding applied).
	Overflowing []*Encoding

	// texts are the original sequences, for RuneOffsets.
	texts [2]string
}

// Len returns the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

// RuneOffsets returns the offsets as rune (code point) positions instead of
// bytes. A token that covers part of a multi-byte character (possible with
// byte-level BPE) gets the range of the whole character.
func (e *Encoding) RuneOffsets() []Offset {
	var maps [2][]int
	out := make([]Offset, len(e.Offsets))
	for i, o := range e.Offsets {
		seq := 0
		if i < len(e.SequenceIDs) && e.SequenceIDs[i] == 1 {
			seq = 1
		}
		if i < len(e.SequenceIDs) && e.SequenceIDs[i] < 0 {
			continue
		}
		if maps[seq] == nil {
			maps[seq] = runeIndex(e.texts[seq])
		}
		m := maps[seq]
		if o.End <= o.Start {
			if o.Start < len(m) {
				out[i] = Offset{m[o.Start], m[o.Start]}
			}
			continue
		}
		if o.End > len(m)-1 || o.Start >= len(m) {
			continue
		}
		out[i] = Offset{m[o.Start], m[o.End-1] + 1}
	}
	return out
}

// runeIndex maps every byte offset of s (and len(s)) to the index of the
// rune containing it.
func runeIndex(s string) []int {
	m := make([]int, len(s)+1)
	r := 0
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		for k := 0; k < w; k++ {
			m[i+k] = r
		}
		i += w
		r++
	}
	m[len(s)] = r
	return m
}

// TokenToWord returns the word index of token i, or -1.
func (e *Encoding) TokenToWord(i int) int {
	if i < 0 || i >= len(e.WordIDs) {
		return -1
	}
	return e.WordIDs[i]
}

// WordToTokens returns the range [start, end) of tokens of word w in
// sequence seq, or ok false.
func (e *Encoding) WordToTokens(w, seq int) (start, end int, ok bool) {
	start = -1
	for i, x := range e.WordIDs {
		if x == w && e.seqOf(i) == seq {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	return start, end, start >= 0
}

// CharToToken returns the index of the token whose byte range in sequence
// seq contains byte offset pos, or -1.
func (e *Encoding) CharToToken(pos, seq int) int {
	for i, o := range e.Offsets {
		if e.seqOf(i) == seq && pos >= o.Start && pos < o.End && e.SpecialTokensMask[i] == 0 {
			return i
		}
	}
	return -1
}

func (e *Encoding) seqOf(i int) int {
	if i < len(e.SequenceIDs) {
		return e.SequenceIDs[i]
	}
	return 0
}

// clone returns a deep copy.
func (e *Encoding) clone() *Encoding {
	c := &Encoding{
		IDs:               append([]int(nil), e.IDs...),
		TypeIDs:           append([]int(nil), e.TypeIDs...),
		Tokens:            append([]string(nil), e.Tokens...),
		Offsets:           append([]Offset(nil), e.Offsets...),
		WordIDs:           append([]int(nil), e.WordIDs...),
		SequenceIDs:       append([]int(nil), e.SequenceIDs...),
		SpecialTokensMask: append([]int(nil), e.SpecialTokensMask...),
		AttentionMask:     append([]int(nil), e.AttentionMask...),
		texts:             e.texts,
	}
	for _, o := range e.Overflowing {
		c.Overflowing = append(c.Overflowing, o.clone())
	}
	return c
}

// slice returns tokens [start, end) as a new Encoding without overflow.
func (e *Encoding) slice(start, end int) *Encoding {
	return &Encoding{
		IDs:               append([]int(nil), e.IDs[start:end]...),
		TypeIDs:           append([]int(nil), e.TypeIDs[start:end]...),
		Tokens:            append([]string(nil), e.Tokens[start:end]...),
		Offsets:           append([]Offset(nil), e.Offsets[start:end]...),
		WordIDs:           append([]int(nil), e.WordIDs[start:end]...),
		SequenceIDs:       append([]int(nil), e.SequenceIDs[start:end]...),
		SpecialTokensMask: append([]int(nil), e.SpecialTokensMask[start:end]...),
		AttentionMask:     append([]int(nil), e.AttentionMask[start:end]...),
		texts:             e.texts,
	}
}

// setTypeID sets every type id, overflowing windows included.
func (e *Encoding) setTypeID(t int) {
	for i := range e.TypeIDs {
		e.TypeIDs[i] = t
	}
	for _, o := range e.Overflowing {
		o.setTypeID(t)
	}
}

// setSequenceID sets every sequence id, overflowing windows included.
func (e *Encoding) setSequenceID(s int) {
	for i := range e.SequenceIDs {
		e.SequenceIDs[i] = s
	}
	for _, o := range e.Overflowing {
		o.setSequenceID(s)
	}
}

// appendEnc appends the tokens of o to e (not its overflow).
func (e *Encoding) appendEnc(o *Encoding) {
	e.IDs = append(e.IDs, o.IDs...)
	e.TypeIDs = append(e.TypeIDs, o.TypeIDs...)
	e.Tokens = append(e.Tokens, o.Tokens...)
	e.Offsets = append(e.Offsets, o.Offsets...)
	e.WordIDs = append(e.WordIDs, o.WordIDs...)
	e.SequenceIDs = append(e.SequenceIDs, o.SequenceIDs...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, o.SpecialTokensMask...)
	e.AttentionMask = append(e.AttentionMask, o.AttentionMask...)
	for i, t := range o.texts {
		if t != "" {
			e.texts[i] = t
		}
	}
}

// mergeEncodings concatenates encodings in order. Overflowing windows
// combine as in Hugging Face tokenizers: each window of one part is joined
// with the other parts (and their windows).
func mergeEncodings(parts []*Encoding) *Encoding {
	out := &Encoding{}
	for _, p := range parts {
		out = mergeWith(out, p)
	}
	return out
}

func mergeWith(a, b *Encoding) *Encoding {
	var over []*Encoding
	for _, ao := range a.Overflowing {
		n := ao.clone()
		n = mergeWith(n, b.withoutOverflow())
		over = append(over, n)
		for _, bo := range b.Overflowing {
			n := ao.clone()
			n = mergeWith(n, bo)
			over = append(over, n)
		}
	}
	for _, bo := range b.Overflowing {
		n := a.withoutOverflow().clone()
		n = mergeWith(n, bo)
		over = append(over, n)
	}
	a.Overflowing = nil
	a.appendEnc(b)
	a.Overflowing = over
	return a
}

func (e *Encoding) withoutOverflow() *Encoding {
	c := *e
	c.Overflowing = nil
	return &c
}

// truncate keeps at most maxLen tokens and moves the rest into
// overflowing windows of maxLen tokens that overlap by stride.
func (e *Encoding) truncate(maxLen, stride int, dir Direction) {
	n := len(e.IDs)
	if maxLen >= n {
		return
	}
	if maxLen == 0 {
		o := *e
		*e = Encoding{texts: e.texts}
		e.Overflowing = []*Encoding{&o}
		return
	}
	if stride >= maxLen {
		panic(fmt.Sprintf("tokenize: truncate: stride %d must be less than the maximum length %d", stride, maxLen))
	}
	step := maxLen - stride
	type rng struct{ s, e int }
	var parts []rng
	if dir == Right {
		for s := 0; s < n; s += step {
			stop := min(s+maxLen, n)
			parts = append(parts, rng{s, stop})
			if stop == n {
				break
			}
		}
	} else {
		for stop := n; stop > 0; stop -= step {
			s := max(stop-maxLen, 0)
			parts = append(parts, rng{s, stop})
			if s == 0 {
				break
			}
		}
	}
	first := e.slice(parts[0].s, parts[0].e)
	for _, p := range parts[1:] {
		first.Overflowing = append(first.Overflowing, e.slice(p.s, p.e))
	}
	*e = *first
}

// pad pads e (and its overflowing windows) to length n.
func (e *Encoding) pad(n int, p *Padding) {
	for _, o := range e.Overflowing {
		o.pad(n, p)
	}
	k := n - len(e.IDs)
	if k <= 0 {
		return
	}
	ids := repeat(p.ID, k)
	types := repeat(p.TypeID, k)
	toks := make([]string, k)
	for i := range toks {
		toks[i] = p.Token
	}
	offs := make([]Offset, k)
	words := repeat(-1, k)
	seqs := repeat(-1, k)
	special := repeat(1, k)
	att := repeat(0, k)
	if p.Direction == Left {
		e.IDs = append(ids, e.IDs...)
		e.TypeIDs = append(types, e.TypeIDs...)
		e.Tokens = append(toks, e.Tokens...)
		e.Offsets = append(offs, e.Offsets...)
		e.WordIDs = append(words, e.WordIDs...)
		e.SequenceIDs = append(seqs, e.SequenceIDs...)
		e.SpecialTokensMask = append(special, e.SpecialTokensMask...)
		e.AttentionMask = append(att, e.AttentionMask...)
		return
	}
	e.IDs = append(e.IDs, ids...)
	e.TypeIDs = append(e.TypeIDs, types...)
	e.Tokens = append(e.Tokens, toks...)
	e.Offsets = append(e.Offsets, offs...)
	e.WordIDs = append(e.WordIDs, words...)
	e.SequenceIDs = append(e.SequenceIDs, seqs...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, special...)
	e.AttentionMask = append(e.AttentionMask, att...)
}

func repeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}
