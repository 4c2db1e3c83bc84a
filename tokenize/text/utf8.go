package text

import (
	"unicode/utf8"
)

// ToValidUTF8 returns s with every invalid UTF-8 sequence replaced by
// U+FFFD, one replacement per maximal subpart, the practice Unicode
// recommends (chapter 3, "U+FFFD Substitution of Maximal Subparts") and
// the one Python's bytes.decode(errors="replace") and the WHATWG Encoding
// Standard follow: a truncated sequence such as "\xe2\x82" becomes one
// U+FFFD, while a stray continuation byte or an impossible byte such as
// "\xff" becomes one each. Valid input is returned as it is, without
// copying.
//
// Unlike strings.ToValidUTF8, which replaces a whole run of invalid bytes
// with one replacement, the count of U+FFFD here matches those
// decoders, so text cleaned here lines up with text cleaned in Python.
func ToValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(appendValidUTF8(make([]byte, 0, len(s)+8), s))
}

// appendValidUTF8 appends s to dst with invalid sequences replaced as
// ToValidUTF8 describes.
func appendValidUTF8(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if _, n := utf8.DecodeRuneInString(s[i:]); n > 1 {
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		dst = append(dst, "\uFFFD"...)
		i += maximalSubpart(s[i:])
	}
	return dst
}

// maximalSubpart returns the length of the longest prefix of s, which
// starts with a byte that begins no valid sequence there, that could still
// begin a well-formed UTF-8 sequence (Unicode table 3-7), and at least 1.
func maximalSubpart(s string) int {
	c := s[0]
	var lo, hi byte = 0x80, 0xBF // range of the second byte
	var need int                 // continuation bytes a full sequence has
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(s); k++ {
		b := s[n]
		if k > 0 {
			lo, hi = 0x80, 0xBF
		}
		if b < lo || b > hi {
			break
		}
		n++
	}
	return n
}
