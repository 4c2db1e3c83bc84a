package stem

import (
	"unicode"
	"unicode/utf8"

	"github.com/goformer/goformer/internal/unicase"
)

// char is the element type the stemmers work on: bytes for ASCII words (the
// common, fast case) and runes for everything else.
type char interface{ ~byte | ~rune }

// invalidBase marks an invalid UTF-8 byte b inside a rune slice as
// invalidBase+b, a value above unicode.MaxRune, so that the byte survives
// stemming unchanged and is written back as the same single byte.
const invalidBase = unicode.MaxRune + 1

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendASCII appends the bytes of the ASCII string s to dst, lower-cased
// when lower is set.
func appendASCII(dst []byte, s string, lower bool) []byte {
	if !lower {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendRunes appends the runes of s to dst, lower-cased as Python's
// str.lower does when lower is set (see pyLower), with each invalid UTF-8
// byte b kept as invalidBase+b.
func appendRunes(dst []rune, s string, lower bool) []rune {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, invalidBase+rune(s[i]))
			i++
			continue
		}
		if lower {
			dst = appendLowerRune(dst, s, i, r)
		} else {
			dst = append(dst, r)
		}
		i += n
	}
	return dst
}

// appendLowerRune appends the lower-case form of r, found at byte offset i
// of s, following Python 3's str.lower: the simple Unicode lower-case
// mapping, except that U+0130 (capital I with dot above) becomes "i" plus
// U+0307 (combining dot above) and capital sigma becomes final sigma (ς)
// at the end of a word.
func appendLowerRune(dst []rune, s string, i int, r rune) []rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	case r == 0x130:
		return append(dst, 'i', 0x307)
	case r == 0x3A3:
		if unicase.FinalSigma(s, i) {
			return append(dst, 0x3C2)
		}
		return append(dst, 0x3C3)
	}
	return append(dst, unicode.ToLower(r))
}

// appendEncoded appends the UTF-8 encoding of rs to dst, writing each
// invalidBase+b marker back as the raw byte b.
func appendEncoded(dst []byte, rs []rune) []byte {
	for _, r := range rs {
		if r >= invalidBase {
			dst = append(dst, byte(r-invalidBase))
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// hasSuffix reports whether w ends with the ASCII string s.
func hasSuffix[T char](w []T, s string) bool {
	if len(w) < len(s) {
		return false
	}
	w = w[len(w)-len(s):]
	for i := 0; i < len(s); i++ {
		if w[i] != T(s[i]) {
			return false
		}
	}
	return true
}

// equalASCII reports whether w spells the ASCII string s.
func equalASCII[T char](w []T, s string) bool {
	return len(w) == len(s) && hasSuffix(w, s)
}

// appendString appends the ASCII string s to w.
func appendString[T char](w []T, s string) []T {
	for i := 0; i < len(s); i++ {
		w = append(w, T(s[i]))
	}
	return w
}

// replaceSuffix replaces the last n characters of w with the ASCII string s.
func replaceSuffix[T char](w []T, n int, s string) []T {
	return appendString(w[:len(w)-n], s)
}
