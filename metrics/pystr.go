package metrics

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goformer/goformer/internal/unicase"
)

// This file holds the few string primitives whose exact Python behaviour the
// reference tools depend on: what str.split() treats as whitespace, and what
// str.lower() does beyond a per-rune mapping.

// pyIsSpace reports whether r is whitespace for Python's str.isspace, which
// is what str.split(), str.strip() and the re module's \s use: the Unicode
// White_Space characters plus the four ASCII separators U+001C..U+001F.
func pyIsSpace(r rune) bool {
	if r < 0x80 {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

var asciiSpace = [128]bool{
	'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true,
	0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true,
}

// pySplit splits s around runs of Python whitespace, like Python's
// str.split() with no argument: no empty fields, leading and trailing
// whitespace ignored. Invalid UTF-8 bytes are ordinary characters.
func pySplit(s string, dst []string) []string {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		var sp bool
		size := 1
		if c < utf8.RuneSelf {
			sp = asciiSpace[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			sp = r != utf8.RuneError && unicode.IsSpace(r)
		}
		if sp {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// pyRStrip removes trailing Python whitespace, like str.rstrip().
func pyRStrip(s string) string {
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				return s
			}
			s = s[:len(s)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if r == utf8.RuneError || !unicode.IsSpace(r) {
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// pyLower lowercases s as Python's str.lower() does: the full Unicode
// lowercase mapping (U+0130 becomes "i\u0307") and the Final_Sigma rule for
// U+03A3. Invalid UTF-8 bytes are kept as they are.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[i])
		case r == 0x130:
			b.WriteString("i\u0307")
		case r == 0x3a3:
			if unicase.FinalSigma(s, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
	return b.String()
}
