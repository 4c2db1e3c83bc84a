package tokenize

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/pattern"
)

// Piece is one piece of a sequence after pre-tokenization: normalized text
// with its alignment to the original, and, once the model has run (or for
// an added token, from the start), its tokens.
type Piece struct {
	Normalized
	tokens    []Token
	tokenized bool
}

// PreTokenized is one sequence cut into pieces. Pre-tokenizers cut the
// pieces further; pieces that already hold tokens (added tokens) are left
// alone.
type PreTokenized struct {
	Pieces []Piece
	spare  []Piece
}

// Split replaces every piece that has no tokens yet by the non-empty pieces
// f emits for it; f gets the piece's index among all pieces.
func (p *PreTokenized) Split(f func(i int, n Normalized, emit func(Normalized))) {
	out := p.spare[:0]
	emit := func(n Normalized) {
		if n.Len() > 0 {
			out = append(out, Piece{Normalized: n})
		}
	}
	for i, pc := range p.Pieces {
		if pc.tokenized {
			out = append(out, pc)
			continue
		}
		f(i, pc.Normalized, emit)
	}
	p.spare = p.Pieces[:0]
	p.Pieces = out
}

// A PreTokenizer cuts the normalized text into pieces (words) that the
// model encodes one at a time. Pre-tokenizers must be safe for concurrent
// use.
type PreTokenizer interface {
	PreTokenize(p *PreTokenized)
}

// piecer is implemented by pre-tokenizers that only cut text into adjacent
// pieces without dropping or rewriting anything; the tokenizer uses it for a
// fast path that skips alignment bookkeeping.
type piecer interface {
	nextPiece(s string, i int) int
}

// rangeSplitter is implemented by pre-tokenizers that only cut text into
// pieces (dropping some of it perhaps) without rewriting it. The tokenizer
// then walks the pieces as byte ranges without building them.
type rangeSplitter interface {
	// eachPiece calls emit with the range [start, end) of every
	// non-empty piece of s, in order.
	eachPiece(s string, emit func(start, end int))
}

// splitWith cuts every piece of p with a range splitter.
func splitWith(p *PreTokenized, r rangeSplitter) {
	p.Split(func(_ int, n Normalized, emit func(Normalized)) {
		r.eachPiece(n.text, func(s, e int) { emit(n.Slice(s, e)) })
	})
}

// SplitBehavior says what happens to the delimiters a pre-tokenizer finds.
type SplitBehavior int

// Split behaviors, as in Hugging Face tokenizers.
const (
	Removed            SplitBehavior = iota // delimiters are dropped
	Isolated                                // each delimiter is a piece of its own
	MergedWithPrevious                      // a delimiter joins the piece before it
	MergedWithNext                          // a delimiter joins the piece after it
	Contiguous                              // runs of delimiters form one piece
)

var behaviorNames = [...]string{"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"}

func (b SplitBehavior) String() string {
	if int(b) < len(behaviorNames) {
		return behaviorNames[b]
	}
	return fmt.Sprintf("SplitBehavior(%d)", int(b))
}

func parseBehavior(s string) (SplitBehavior, error) {
	for i, n := range behaviorNames {
		if strings.EqualFold(n, s) {
			return SplitBehavior(i), nil
		}
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

// span is a byte range of a piece with a flag for delimiters.
type span struct {
	start, end int
	match      bool
}

// applyBehavior turns the spans (covering a text in order) into pieces and
// emits their ranges.
func applyBehavior(spans []span, b SplitBehavior, emit func(start, end int)) {
	type part struct{ s, e int }
	var parts []part
	switch b {
	case Removed:
		for _, sp := range spans {
			if !sp.match {
				parts = append(parts, part{sp.start, sp.end})
			}
		}
	case Isolated:
		for _, sp := range spans {
			parts = append(parts, part{sp.start, sp.end})
		}
	case MergedWithPrevious:
		prev := false
		for _, sp := range spans {
			if sp.match && !prev && len(parts) > 0 {
				parts[len(parts)-1].e = sp.end
			} else {
				parts = append(parts, part{sp.start, sp.end})
			}
			prev = sp.match
		}
	case MergedWithNext:
		prev := false
		for i := len(spans) - 1; i >= 0; i-- {
			sp := spans[i]
			if sp.match && !prev && len(parts) > 0 {
				parts[len(parts)-1].s = sp.start
			} else {
				parts = append(parts, part{sp.start, sp.end})
			}
			prev = sp.match
		}
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	case Contiguous:
		prev := false
		for _, sp := range spans {
			if sp.match == prev && len(parts) > 0 {
				parts[len(parts)-1].e = sp.end
			} else {
				parts = append(parts, part{sp.start, sp.end})
			}
			prev = sp.match
		}
	}
	for _, p := range parts {
		if p.e > p.s {
			emit(p.s, p.e)
		}
	}
}

// runeSpans returns the spans of n where every rune for which isDelim
// holds is a delimiter of its own.
func runeSpans(s string, isDelim func(rune) bool) []span {
	var spans []span
	last := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if isDelim(r) {
			if last < i {
				spans = append(spans, span{last, i, false})
			}
			spans = append(spans, span{i, i + w, true})
			last = i + w
		}
		i += w
	}
	if last < len(s) {
		spans = append(spans, span{last, len(s), false})
	}
	return spans
}

// ByteLevel is the pre-tokenizer of byte-level BPE (GPT-2 and later): it
// optionally adds a space before the text and cuts it with one of the
// hand-written split patterns. The bytes themselves are passed to the model
// unchanged (the model reads raw bytes; vocabulary files write them in
// GPT-2's byte-level alphabet).
type ByteLevel struct {
	// AddPrefixSpace puts a space before text that does not start with
	// one, so that the first word is encoded like the others.
	AddPrefixSpace bool
	// Pattern cuts the text; zero leaves each piece whole (Hugging Face's
	// use_regex=false).
	Pattern pattern.Pattern
}

// PreTokenize cuts every piece with the pattern.
func (bl ByteLevel) PreTokenize(p *PreTokenized) {
	p.Split(func(_ int, n Normalized, emit func(Normalized)) {
		if bl.AddPrefixSpace && !strings.HasPrefix(n.text, " ") {
			n.prependEmpty(" ")
		}
		bl.cut(n.text, func(s, e int) { emit(n.Slice(s, e)) })
	})
}

func (bl ByteLevel) cut(s string, emit func(start, end int)) {
	if bl.Pattern == 0 {
		if s != "" {
			emit(0, len(s))
		}
		return
	}
	for i := 0; i < len(s); {
		j := bl.Pattern.Next(s, i)
		emit(i, j)
		i = j
	}
}

func (bl ByteLevel) nextPiece(s string, i int) int {
	if bl.Pattern == 0 {
		return len(s)
	}
	return bl.Pattern.Next(s, i)
}

// fastPath reports whether the pre-tokenizer can run as a plain piecer.
func (bl ByteLevel) fastPath() bool { return !bl.AddPrefixSpace }

// BertPreTokenizer splits on white space (dropped) and isolates every
// punctuation character, as BERT does.
type BertPreTokenizer struct{}

// PreTokenize cuts every piece into words and punctuation.
func (b BertPreTokenizer) PreTokenize(p *PreTokenized) { splitWith(p, b) }

func (BertPreTokenizer) eachPiece(s string, emit func(start, end int)) {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		w := 1
		var space, punct bool
		if c < utf8.RuneSelf {
			space = c == ' ' || (c >= '\t' && c <= '\r')
			punct = asciiPunct[c]
		} else {
			var r rune
			r, w = utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			punct = !space && bertIsPunct(r)
		}
		if space || punct {
			if start >= 0 {
				emit(start, i)
				start = -1
			}
			if punct {
				emit(i, i+w)
			}
		} else if start < 0 {
			start = i
		}
		i += w
	}
	if start >= 0 {
		emit(start, len(s))
	}
}

// isWordRune reports whether r is in regex class \w (Unicode word
// characters: letters, marks, decimal digits, connector punctuation).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r) ||
		unicode.Is(unicode.Join_Control, r)
}

// Whitespace splits into runs of word characters and runs of other
// non-space characters (the regex \w+|[^\w\s]+), dropping white space.
type Whitespace struct{}

// PreTokenize cuts every piece.
func (w Whitespace) PreTokenize(p *PreTokenized) { splitWith(p, w) }

func (Whitespace) eachPiece(s string, emit func(start, end int)) {
	start, kind := -1, 0 // kind: 1 word, 2 other
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		k := 2
		if unicode.IsSpace(r) {
			k = 0
		} else if isWordRune(r) {
			k = 1
		}
		if k != kind {
			if start >= 0 {
				emit(start, i)
			}
			start, kind = i, k
			if k == 0 {
				start = -1
			}
		}
		i += w
	}
	if start >= 0 {
		emit(start, len(s))
	}
}

// WhitespaceSplit splits on white space, dropping it.
type WhitespaceSplit struct{}

// PreTokenize cuts every piece.
func (w WhitespaceSplit) PreTokenize(p *PreTokenized) { splitWith(p, w) }

func (WhitespaceSplit) eachPiece(s string, emit func(start, end int)) {
	start := -1
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			if start >= 0 {
				emit(start, i)
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += w
	}
	if start >= 0 {
		emit(start, len(s))
	}
}

// Punctuation isolates punctuation characters (ASCII punctuation and
// symbols, Unicode punctuation), or treats them per Behavior.
type Punctuation struct{ Behavior SplitBehavior }

// PreTokenize cuts every piece.
func (pu Punctuation) PreTokenize(p *PreTokenized) { splitWith(p, pu) }

func (pu Punctuation) eachPiece(s string, emit func(start, end int)) {
	applyBehavior(runeSpans(s, isPunctRune), pu.Behavior, emit)
}

func isPunctRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiPunct[r]
	}
	return unicode.IsPunct(r)
}

// Digits splits numbers off: each digit alone (Individual) or runs of
// digits together.
type Digits struct{ Individual bool }

// PreTokenize cuts every piece.
func (d Digits) PreTokenize(p *PreTokenized) { splitWith(p, d) }

func (d Digits) eachPiece(s string, emit func(start, end int)) {
	b := Contiguous
	if d.Individual {
		b = Isolated
	}
	applyBehavior(runeSpans(s, unicode.IsNumber), b, emit)
}

// CharDelimiterSplit splits on one character, dropping it.
type CharDelimiterSplit struct{ Delimiter rune }

// PreTokenize cuts every piece.
func (c CharDelimiterSplit) PreTokenize(p *PreTokenized) { splitWith(p, c) }

func (c CharDelimiterSplit) eachPiece(s string, emit func(start, end int)) {
	applyBehavior(runeSpans(s, func(r rune) bool { return r == c.Delimiter }), Removed, emit)
}

// PrependScheme says where Metaspace adds its replacement character.
type PrependScheme int

// Prepend schemes.
const (
	PrependAlways PrependScheme = iota // before every piece
	PrependFirst                       // before the piece at the start of the text
	PrependNever
)

var prependNames = [...]string{"always", "first", "never"}

// Metaspace replaces spaces with a visible character (SentencePiece's '▁'),
// adds one at the start, and splits before each.
type Metaspace struct {
	Replacement rune
	Prepend     PrependScheme
	// Split cuts before every replacement character.
	Split bool
}

// NewMetaspace returns SentencePiece's Metaspace pre-tokenizer: '▁',
// prepended always, splitting.
func NewMetaspace() Metaspace { return Metaspace{Replacement: '▁', Split: true} }

// PreTokenize rewrites and cuts every piece.
func (m Metaspace) PreTokenize(p *PreTokenized) {
	rep := string(m.Replacement)
	p.Split(func(_ int, n Normalized, emit func(Normalized)) {
		n.Replace(" ", rep)
		switch m.Prepend {
		case PrependAlways:
			if !strings.HasPrefix(n.text, rep) {
				n.Prepend(rep)
			}
		case PrependFirst:
			if s, _ := n.OriginalRange(0, 0); !strings.HasPrefix(n.text, rep) && s == 0 {
				n.Prepend(rep)
			}
		}
		if !m.Split {
			emit(n)
			return
		}
		applyBehavior(runeSpans(n.text, func(r rune) bool { return r == m.Replacement }), MergedWithNext,
			func(s, e int) { emit(n.Slice(s, e)) })
	})
}

// Split cuts on matches of a pattern: a literal string, a Go regular
// expression, or one of the hand-written byte-level patterns.
type Split struct {
	// Exactly one of Literal, Regexp and Pattern is set.
	Literal  string
	Regexp   *regexp.Regexp
	Pattern  pattern.Pattern
	Behavior SplitBehavior
	// Invert treats the text between matches as the delimiters.
	Invert bool
	// Source is the pattern as written in tokenizer.json, kept for saving.
	Source string
}

// PreTokenize cuts every piece.
func (sp Split) PreTokenize(p *PreTokenized) { splitWith(p, sp) }

func (sp Split) eachPiece(s string, emit func(start, end int)) {
	applyBehavior(sp.spans(s), sp.Behavior, emit)
}

func (sp Split) nextPiece(s string, i int) int { return sp.Pattern.Next(s, i) }

func (sp Split) fastPath() bool {
	return sp.Pattern != 0 && !sp.Invert && (sp.Behavior == Isolated || sp.Behavior == MergedWithNext ||
		sp.Behavior == MergedWithPrevious)
}

func (sp Split) spans(s string) []span {
	var locs [][2]int
	switch {
	case sp.Pattern != 0:
		for i := 0; i < len(s); {
			j := sp.Pattern.Next(s, i)
			locs = append(locs, [2]int{i, j})
			i = j
		}
	case sp.Regexp != nil:
		for _, l := range sp.Regexp.FindAllStringIndex(s, -1) {
			if l[1] > l[0] {
				locs = append(locs, [2]int{l[0], l[1]})
			}
		}
	case sp.Literal != "":
		for i := 0; i < len(s); {
			k := strings.Index(s[i:], sp.Literal)
			if k < 0 {
				break
			}
			locs = append(locs, [2]int{i + k, i + k + len(sp.Literal)})
			i += k + len(sp.Literal)
		}
	}
	var spans []span
	last := 0
	for _, l := range locs {
		if last < l[0] {
			spans = append(spans, span{last, l[0], sp.Invert})
		}
		spans = append(spans, span{l[0], l[1], !sp.Invert})
		last = l[1]
	}
	if last < len(s) {
		spans = append(spans, span{last, len(s), sp.Invert})
	}
	return spans
}

// asRangeSplitter returns p as a range splitter when it only cuts text, or
// nil.
func asRangeSplitter(p PreTokenizer) rangeSplitter {
	switch x := p.(type) {
	case nil:
		return wholeRange{}
	case ByteLevel:
		if !x.AddPrefixSpace {
			return byteLevelRanges{x}
		}
	case BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Split:
		return x.(rangeSplitter)
	case PreTokenizerSequence:
		var parts []rangeSplitter
		for _, e := range x {
			r := asRangeSplitter(e)
			if r == nil {
				return nil
			}
			parts = append(parts, r)
		}
		return seqRanges(parts)
	}
	return nil
}

type wholeRange struct{}

func (wholeRange) eachPiece(s string, emit func(start, end int)) {
	if s != "" {
		emit(0, len(s))
	}
}

type byteLevelRanges struct{ bl ByteLevel }

func (b byteLevelRanges) eachPiece(s string, emit func(start, end int)) { b.bl.cut(s, emit) }

type seqRanges []rangeSplitter

func (q seqRanges) eachPiece(s string, emit func(start, end int)) {
	if len(q) == 0 {
		wholeRange{}.eachPiece(s, emit)
		return
	}
	q[0].eachPiece(s, func(a, b int) {
		q[1:].eachPiece(s[a:b], func(c, d int) { emit(a+c, a+d) })
	})
}

// PreTokenizerSequence applies pre-tokenizers in order, each to the pieces
// of the previous.
type PreTokenizerSequence []PreTokenizer

// PreTokenize applies each pre-tokenizer in turn.
func (s PreTokenizerSequence) PreTokenize(p *PreTokenized) {
	for _, x := range s {
		x.PreTokenize(p)
	}
}
