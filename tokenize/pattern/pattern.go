// Package pattern splits text into the pieces that byte-level BPE encodes,
// exactly as the GPT-2 (r50k/p50k), cl100k and o200k regular expressions of
// tiktoken do, with hand-written state machines instead of a backtracking
// regex engine.
//
// Start with a Pattern's Next method in a loop, or Split for a slice:
//
//	for i := 0; i < len(s); {
//		j := pattern.CL100K.Next(s, i)
//		piece := s[i:j]
//		i = j
//	}
//
// The regular expressions have look-ahead (`\s+(?!\S)`), possessive-free
// backtracking and Unicode classes; each state machine reproduces the match
// that the leftmost-first backtracking engine (Rust's fancy-regex, as used by
// tiktoken) finds at the same position. Unicode classes come from Go's
// unicode package (Unicode 15.0.0, the version of tiktoken's regex tables).
//
// Invalid UTF-8 is accepted: each byte that does not start a valid encoding
// is classified as U+FFFD (a symbol), so the pieces are those tiktoken finds
// in the text with each such byte replaced by U+FFFD, and the pieces carry the
// original bytes.
package pattern

import (
	"github.com/goformer/goformer/tokenize/internal/uclass"
)

// Pattern is one of the hand-written split patterns.
type Pattern int

// The patterns. The zero Pattern is invalid.
const (
	// GPT2 is the pattern of GPT-2, r50k_base and p50k_base:
	//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
	GPT2 Pattern = iota + 1
	// CL100K is the pattern of cl100k_base (GPT-3.5 and GPT-4).
	CL100K
	// O200K is the pattern of o200k_base (GPT-4o).
	O200K
)

// Regular expressions (as tiktoken writes them) for each pattern.
const (
	GPT2Regex   = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	CL100KRegex = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	O200KRegex  = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// Other spellings of the same expressions: the possessive forms of newer
// tiktoken releases (possessive quantifiers, `\s++$` and `\s*[\r\n]` do not
// change the matches) and the `'(?:[sdmt]|ll|ve|re)` form.
var aliases = map[string]Pattern{
	GPT2Regex:   GPT2,
	CL100KRegex: CL100K,
	O200KRegex:  O200K,
	`'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`:                                               GPT2,
	`'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`:                                       GPT2,
	`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`: CL100K,
}

// Lookup returns the Pattern that implements the regular expression re, if
// re is one of the known spellings of the GPT-2, cl100k or o200k patterns.
func Lookup(re string) (Pattern, bool) {
	p, ok := aliases[re]
	return p, ok
}

// String returns the pattern's name.
func (p Pattern) String() string {
	switch p {
	case GPT2:
		return "gpt2"
	case CL100K:
		return "cl100k"
	case O200K:
		return "o200k"
	}
	return "invalid"
}

// Regex returns the regular expression that p implements.
func (p Pattern) Regex() string {
	switch p {
	case GPT2:
		return GPT2Regex
	case CL100K:
		return CL100KRegex
	case O200K:
		return O200KRegex
	}
	return ""
}

// Next returns the end of the piece that starts at byte offset i of s.
// It requires 0 <= i < len(s) and returns a value in (i, len(s)]; pieces
// cover the text without gaps. It panics on an invalid Pattern.
func (p Pattern) Next(s string, i int) int {
	switch p {
	case GPT2:
		return nextGPT2(s, i)
	case CL100K:
		return nextCL100K(s, i)
	case O200K:
		return nextO200K(s, i)
	}
	panic("pattern: Next on an invalid Pattern")
}

// Split returns the pieces of s in order.
func (p Pattern) Split(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := p.Next(s, i)
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// AppendBounds appends the end offset of every piece of s to dst and
// returns it; the pieces are s[0:b[0]], s[b[0]:b[1]], ...
func (p Pattern) AppendBounds(dst []int, s string) []int {
	for i := 0; i < len(s); {
		i = p.Next(s, i)
		dst = append(dst, i)
	}
	return dst
}

const (
	cL  = uclass.L
	cN  = uclass.N
	cS  = uclass.S
	cUp = uclass.Up
	cLw = uclass.Lw
)

// asciiClass is the class of each byte below 0x80; bytes at or above 0x80
// get 0xff so that callers take the slow path.
var asciiClass = func() (t [256]uint8) {
	for i := range t {
		if i < 0x80 {
			t[i] = uclass.ASCII(byte(i))
		} else {
			t[i] = 0xff
		}
	}
	return t
}()

// class returns the class flags and width of the rune at s[i].
func class(s string, i int) (uint8, int) {
	if f := asciiClass[s[i]]; f != 0xff {
		return f, 1
	}
	return uclass.At(s, i)
}

// span returns the end of the longest run starting at i of runes whose
// flags intersect want.
func span(s string, i int, want uint8) int {
	for i < len(s) {
		c := s[i]
		if f := asciiClass[c]; f != 0xff {
			if f&want == 0 {
				return i
			}
			i++
			continue
		}
		f, w := uclass.At(s, i)
		if f&want == 0 {
			return i
		}
		i += w
	}
	return i
}

// spanOther returns the end of the longest run starting at i of runes that
// are not white space, letters or numbers.
func spanOther(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if f := asciiClass[c]; f != 0xff {
			if f&(cL|cN|cS) != 0 {
				return i
			}
			i++
			continue
		}
		f, w := uclass.At(s, i)
		if f&(cL|cN|cS) != 0 {
			return i
		}
		i += w
	}
	return i
}

// spanN3 returns the end of \p{N}{1,3} at i; s[i] starts a number.
func spanN3(s string, i int) int {
	for k := 0; k < 3 && i < len(s); k++ {
		f, w := class(s, i)
		if f&cN == 0 {
			break
		}
		i += w
	}
	return i
}

// spanBytes returns the end of the run of bytes from set starting at i.
func spanBytes(s string, i int, a, b, c byte) int {
	for i < len(s) && (s[i] == a || s[i] == b || s[i] == c) {
		i++
	}
	return i
}

// whitespace returns the end of the match of the trailing alternatives
// `\s+(?!\S)|\s+` at i, where s[i] starts a white-space rune. With crlf set,
// `\s*[\r\n]+` is tried first.
func whitespace(s string, i int, crlf bool) int {
	k, last, nl := i, i, -1
	for k < len(s) {
		c := s[k]
		if f := asciiClass[c]; f != 0xff {
			if f&cS == 0 {
				break
			}
			if c == '\n' || c == '\r' {
				nl = k
			}
			last = k
			k++
			continue
		}
		f, w := uclass.At(s, k)
		if f&cS == 0 {
			break
		}
		last = k
		k += w
	}
	if crlf && nl >= 0 {
		// \s* backtracks to the last CR or LF of the run; [\r\n]+ takes it.
		return nl + 1
	}
	if k == len(s) || last == i {
		// At the end of the text the look-ahead holds for the whole run; a
		// single white-space rune before a non-space falls to \s+.
		return k
	}
	// \s+ backs off one rune so that (?!\S) sees white space.
	return last
}

// nextGPT2 implements 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+.
func nextGPT2(s string, i int) int {
	c := s[i]
	if c == '\'' && i+1 < len(s) {
		switch s[i+1] {
		case 's', 't', 'm', 'd':
			return i + 2
		case 'r', 'v':
			if i+2 < len(s) && s[i+2] == 'e' {
				return i + 3
			}
		case 'l':
			if i+2 < len(s) && s[i+2] == 'l' {
				return i + 3
			}
		}
	}
	f, w := class(s, i)
	j := i
	if c == ' ' && i+1 < len(s) {
		if f2, w2 := class(s, i+1); f2&cS == 0 {
			j, f, w = i+1, f2, w2
		}
	}
	switch {
	case f&cL != 0:
		return span(s, j+w, cL)
	case f&cN != 0:
		return span(s, j+w, cN)
	case f&cS == 0:
		return spanOther(s, j+w)
	}
	return whitespace(s, i, false)
}

// contraction returns the end of (?i:'s|'t|'re|'ve|'m|'ll|'d) at i, or -1.
// Case folding is Unicode simple folding: 's' also matches U+017F (ſ).
func contraction(s string, i int) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return -1
	}
	switch s[i+1] {
	case 's', 'S', 't', 'T', 'm', 'M', 'd', 'D':
		return i + 2
	case 'r', 'R', 'v', 'V':
		if i+2 < len(s) && (s[i+2] == 'e' || s[i+2] == 'E') {
			return i + 3
		}
	case 'l', 'L':
		if i+2 < len(s) && (s[i+2] == 'l' || s[i+2] == 'L') {
			return i + 3
		}
	case 0xc5:
		// U+017F LATIN SMALL LETTER LONG S folds to 's'.
		if i+2 < len(s) && s[i+2] == 0xbf {
			return i + 3
		}
	}
	return -1
}

// nextCL100K implements cl100k's pattern (see CL100KRegex).
func nextCL100K(s string, i int) int {
	c := s[i]
	if c == '\'' {
		if e := contraction(s, i); e > 0 {
			return e
		}
	}
	f, w := class(s, i)
	if f&cL != 0 {
		return span(s, i+w, cL)
	}
	if f&cN != 0 {
		return spanN3(s, i)
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+ with the optional rune taken.
	if c != '\r' && c != '\n' && i+w < len(s) {
		if f2, w2 := class(s, i+w); f2&cL != 0 {
			return span(s, i+w+w2, cL)
		}
	}
	if f&cS == 0 {
		return spanBytes(s, spanOther(s, i+w), '\r', '\n', '\n')
	}
	if c == ' ' && i+1 < len(s) {
		if f2, w2 := class(s, i+1); f2&(cS|cL|cN) == 0 {
			return spanBytes(s, spanOther(s, i+1+w2), '\r', '\n', '\n')
		}
	}
	return whitespace(s, i, true)
}

// nextO200K implements o200k's pattern (see O200KRegex).
func nextO200K(s string, i int) int {
	if e := o200kWord(s, i); e > 0 {
		return e
	}
	c := s[i]
	f, w := class(s, i)
	if f&cN != 0 {
		return spanN3(s, i)
	}
	if f&cS == 0 {
		return spanBytes(s, spanOther(s, i+w), '\r', '\n', '/')
	}
	if c == ' ' && i+1 < len(s) {
		if f2, w2 := class(s, i+1); f2&(cS|cL|cN) == 0 {
			return spanBytes(s, spanOther(s, i+1+w2), '\r', '\n', '/')
		}
	}
	return whitespace(s, i, true)
}

// o200kWord tries the first two alternatives of o200k's pattern at i,
//
//	P? U* W+ C? | P? U+ W* C?
//
// with P = [^\r\n\p{L}\p{N}], U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}],
// W = [\p{Ll}\p{Lm}\p{Lo}\p{M}] and C the optional contraction, in the order a
// backtracking engine tries them. It returns the end of the match or -1.
func o200kWord(s string, i int) int {
	c := s[i]
	f, w := class(s, i)
	optP := f&(cL|cN) == 0 && c != '\r' && c != '\n'
	// Fast path: an ASCII letter run, the common case.
	if f&cUp == 0 && f&cLw == 0 && !optP {
		return -1
	}
	e := -1
	if optP {
		e = o200kAlt1(s, i+w)
	}
	if e < 0 {
		e = o200kAlt1(s, i)
	}
	if e < 0 && optP {
		e = o200kAlt2(s, i+w)
	}
	if e < 0 {
		e = o200kAlt2(s, i)
	}
	if e < 0 {
		return -1
	}
	if e < len(s) && s[e] == '\'' {
		if k := contraction(s, e); k > 0 {
			return k
		}
	}
	return e
}

// o200kAlt1 matches U* W+ at a, returning its end or -1.
func o200kAlt1(s string, a int) int {
	b, lastW, lastWEnd := a, -1, -1
	for b < len(s) {
		f, w := class(s, b)
		if f&cUp == 0 {
			break
		}
		if f&cLw != 0 {
			lastW, lastWEnd = b, b+w
		}
		b += w
	}
	if b < len(s) {
		if f, w := class(s, b); f&cLw != 0 {
			return span(s, b+w, cLw)
		}
	}
	if lastW >= 0 {
		return lastWEnd
	}
	return -1
}

// o200kAlt2 matches U+ W* at a, returning its end or -1.
func o200kAlt2(s string, a int) int {
	b := span(s, a, cUp)
	if b == a {
		return -1
	}
	return span(s, b, cLw)
}
