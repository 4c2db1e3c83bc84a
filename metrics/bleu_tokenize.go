package metrics

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BLEUTokenizer names one of sacreBLEU's tokenizers. The zero value means
// [Tokenize13a], sacreBLEU's default.
type BLEUTokenizer string

// The tokenizers of sacreBLEU 2.6.0 that goformer reproduces.
const (
	// Tokenize13a is the mteval-v13a tokenizer used by WMT: it splits off
	// ASCII punctuation, and periods and commas except inside numbers.
	Tokenize13a BLEUTokenizer = "13a"
	// TokenizeIntl is mteval-v14's international tokenizer: it splits off
	// every Unicode punctuation mark not between digits, and every symbol.
	TokenizeIntl BLEUTokenizer = "intl"
	// TokenizeChar makes every non-space character a token.
	TokenizeChar BLEUTokenizer = "char"
	// TokenizeNone splits on whitespace only.
	TokenizeNone BLEUTokenizer = "none"
)

// String returns the tokenizer's name as sacreBLEU writes it in a signature.
func (t BLEUTokenizer) String() string {
	if t == "" {
		return string(Tokenize13a)
	}
	return string(t)
}

func (t BLEUTokenizer) valid() error {
	switch t {
	case "", Tokenize13a, TokenizeIntl, TokenizeChar, TokenizeNone:
		return nil
	}
	return fmt.Errorf("%w: BLEU tokenizer %q (want 13a, intl, char or none)", ErrBadOption, string(t))
}

// Tokenize splits s into the tokens that sacreBLEU's tokenizer t produces
// (after which sacreBLEU splits on whitespace), without lowercasing and
// without removing trailing whitespace.
func (t BLEUTokenizer) Tokenize(s string) []string {
	var tk tokenizerState
	return tk.tokens(t, s, nil)
}

// tokenizerState holds the scratch buffers of one tokenizing goroutine.
type tokenizerState struct {
	a, b []byte
}

// tokens appends the tokens of s to dst. The tokens share one freshly
// allocated string, so they stay valid after the next call.
func (tk *tokenizerState) tokens(t BLEUTokenizer, s string, dst []string) []string {
	switch t {
	case "", Tokenize13a:
		return pySplit(tk.tok13a(s), dst)
	case TokenizeIntl:
		return pySplit(tk.tokIntl(s), dst)
	case TokenizeChar:
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !pyIsSpace(r) { // an invalid byte decodes to U+FFFD, not a space
				dst = append(dst, s[i:i+size])
			}
			i += size
		}
		return dst
	case TokenizeNone:
		return pySplit(s, dst)
	}
	panic("metrics: unknown BLEU tokenizer " + string(t))
}

// tok13a applies the mteval-v13a rules of sacreBLEU's Tokenizer13a and
// TokenizerRegexp. Each regular expression there matches one or two
// characters, the second of which (when there is one) is ASCII, and Python's
// re.sub resumes after each match; working on bytes gives the same result
// as working on code points, because a UTF-8 continuation byte is never an
// ASCII digit, period or comma.
func (tk *tokenizerState) tok13a(s string) string {
	// Language-independent part, in sacreBLEU's order.
	if strings.Contains(s, "<skipped>") {
		s = strings.ReplaceAll(s, "<skipped>", "")
	}
	if strings.IndexByte(s, '\n') >= 0 {
		s = strings.ReplaceAll(s, "-\n", "")
		s = strings.ReplaceAll(s, "\n", " ")
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = strings.ReplaceAll(s, "&quot;", "\"")
		s = strings.ReplaceAll(s, "&amp;", "&")
		s = strings.ReplaceAll(s, "&lt;", "<")
		s = strings.ReplaceAll(s, "&gt;", ">")
	}

	// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 " on " s ". A space
	// becomes three spaces there; one is enough, because the later rules
	// never consume a space that another match needs, and the final split
	// does not count spaces.
	a := tk.a[:0]
	a = append(a, ' ')
	i := 0
	for j := 0; j < len(s); j++ {
		if c := s[j]; punct13a[c] && c != ' ' {
			a = append(a, s[i:j]...)
			a = append(a, ' ', c, ' ')
			i = j + 1
		}
	}
	a = append(a, s[i:]...)
	a = append(a, ' ')

	// ([^0-9])([\.,]) -> "\1 \2 ". Python's re.sub resumes after each
	// match: i is the first byte not consumed yet, and a candidate period or
	// comma at j matches when the byte before it (at j-1 >= i) is no digit.
	b := tk.b[:0]
	i = 0
	for j := 1; j < len(a); j++ {
		if (a[j] == '.' || a[j] == ',') && j-1 >= i && !isDigit(a[j-1]) {
			b = append(b, a[i:j]...)
			b = append(b, ' ', a[j], ' ')
			i = j + 1
			j++ // the next match starts at i; its second byte is at i+1
		}
	}
	b = append(b, a[i:]...)

	// ([\.,])([^0-9]) -> " \1 \2"
	a = a[:0]
	i = 0
	for j := 0; j+1 < len(b); j++ {
		if (b[j] == '.' || b[j] == ',') && j >= i && !isDigit(b[j+1]) {
			a = append(a, b[i:j]...)
			a = append(a, ' ', b[j], ' ', b[j+1])
			i = j + 2
			j++
		}
	}
	a = append(a, b[i:]...)

	// ([0-9])(-) -> "\1 \2 "
	b = b[:0]
	i = 0
	for j := 1; j < len(a); j++ {
		if a[j] == '-' && j-1 >= i && isDigit(a[j-1]) {
			b = append(b, a[i:j]...)
			b = append(b, ' ', '-', ' ')
			i = j + 1
			j++
		}
	}
	b = append(b, a[i:]...)
	tk.a, tk.b = a, b
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// punct13a is the character class [\{-\~\[-\` -\&\(-\+\:-\@\/] of
// mteval-v13a: ASCII punctuation and space, except the apostrophe, hyphen,
// period and comma.
var punct13a = func() (t [256]bool) {
	for _, rg := range [][2]byte{{'{', '~'}, {'[', '`'}, {' ', '&'}, {'(', '+'}, {':', '@'}, {'/', '/'}} {
		for c := int(rg[0]); c <= int(rg[1]); c++ {
			t[c] = true
		}
	}
	return t
}()

// tokIntl applies the three rules of sacreBLEU's TokenizerV14International
// (which uses the regex module's Unicode classes) on code points.
func (tk *tokenizerState) tokIntl(s string) string {
	rs := decodeRunes(s)
	// (\P{N})(\p{P}) -> "\1 \2 "
	var out []uRune
	for i := 0; i < len(rs); {
		if i+1 < len(rs) && !rs[i].is(unicode.N) && rs[i+1].is(unicode.P) {
			out = append(out, rs[i], spaceRune, rs[i+1], spaceRune)
			i += 2
			continue
		}
		out = append(out, rs[i])
		i++
	}
	// (\p{P})(\P{N}) -> " \1 \2"
	rs, out = out, rs[:0]
	for i := 0; i < len(rs); {
		if i+1 < len(rs) && rs[i].is(unicode.P) && !rs[i+1].is(unicode.N) {
			out = append(out, spaceRune, rs[i], spaceRune, rs[i+1])
			i += 2
			continue
		}
		out = append(out, rs[i])
		i++
	}
	// (\p{S}) -> " \1 "
	b := tk.b[:0]
	for _, r := range out {
		if r.is(unicode.S) {
			b = append(b, ' ')
			b = append(b, r.s...)
			b = append(b, ' ')
		} else {
			b = append(b, r.s...)
		}
	}
	tk.b = b
	return string(b)
}

// uRune is one character of the input: a code point with its bytes, or a
// single invalid byte (r < 0), which belongs to no Unicode class.
type uRune struct {
	r rune
	s string
}

var spaceRune = uRune{' ', " "}

func (u uRune) is(t *unicode.RangeTable) bool { return u.r >= 0 && unicode.Is(t, u.r) }

func decodeRunes(s string) []uRune {
	out := make([]uRune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = -1
		}
		out = append(out, uRune{r, s[i : i+size]})
		i += size
	}
	return out
}
