package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns the Unicode canonical composition of s: "e" followed by
// U+0301 (combining acute) becomes "é". Invalid UTF-8 is first replaced as
// ToValidUTF8 describes.
func NFC(s string) string { return normalize(norm.NFC, s) }

// NFD returns the Unicode canonical decomposition of s: "é" becomes "e"
// followed by U+0301. Invalid UTF-8 is first replaced as ToValidUTF8
// describes.
func NFD(s string) string { return normalize(norm.NFD, s) }

// NFKC returns the Unicode compatibility composition of s: ligatures,
// full-width forms, superscripts and the like become their plain forms
// ("ﬁ" → "fi", "Ｈｅｌｌｏ" → "Hello", "x²" → "x2"), then composes. Invalid
// UTF-8 is first replaced as ToValidUTF8 describes.
func NFKC(s string) string { return normalize(norm.NFKC, s) }

// NFKD returns the Unicode compatibility decomposition of s. Invalid UTF-8
// is first replaced as ToValidUTF8 describes.
func NFKD(s string) string { return normalize(norm.NFKD, s) }

// normalize applies the normal form f to s, returning s itself when it is
// already normal (ASCII always is).
func normalize(f norm.Form, s string) string {
	s = ToValidUTF8(s)
	if isASCII(s) || f.IsNormalString(s) {
		return s
	}
	return f.String(s)
}

// StripAccents removes diacritics: it decomposes s (NFD), drops every
// non-spacing mark (Unicode category Mn) and composes the rest again (NFC),
// so "Ångström café" becomes "Angstrom cafe" and Greek "ά" becomes "α".
// Letters that are not a base letter plus a mark are kept ("ø", "ł", "ß",
// "æ"). Like BERT's accent stripping it removes every Mn mark, including
// the vowel signs and viramas of scripts such as Devanagari, Hebrew points
// and Arabic harakat; apply it only to text where marks are accents.
// Invalid UTF-8 is first replaced as ToValidUTF8 describes.
func StripAccents(s string) string {
	s = ToValidUTF8(s)
	if isASCII(s) {
		return s
	}
	d := norm.NFD.String(s)
	b := make([]byte, 0, len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return norm.NFC.String(string(b))
}

// RemoveFunc returns s without the runes for which drop reports true.
// Invalid UTF-8 is first replaced as ToValidUTF8 describes, so drop sees
// U+FFFD for it. When nothing is dropped, s is returned without copying.
func RemoveFunc(s string, drop func(rune) bool) string {
	s = ToValidUTF8(s)
	for i, r := range s {
		if drop(r) {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for _, r := range s[i:] {
				if !drop(r) {
					b.WriteRune(r)
				}
			}
			return b.String()
		}
	}
	return s
}

// IsControl reports whether RemoveControl removes r: a control character
// (category Cc) other than white space such as tab and newline; a format
// character (category Cf: zero-width space, zero-width joiner and
// non-joiner, soft hyphen, directional marks, the byte-order mark, ...);
// or U+FFFD, the replacement character that stands for invalid bytes.
func IsControl(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' || r == 0x7F
	}
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsSpace(r):
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// RemoveControl removes control characters, format characters (zero-width
// spaces and joiners among them) and invalid bytes from s; see IsControl.
// White space is kept: fold it with FoldWhitespace. Removing the
// zero-width joiner splits emoji sequences such as 👨‍👩‍👧 into their
// parts, as BERT's text cleaning does.
func RemoveControl(s string) string { return RemoveFunc(s, IsControl) }

// RemovePunctuation removes punctuation (Unicode categories P*: . , ! ? ' "
// - ( ) « » 。 、 and the like) from s. It removes, and does not replace:
// "don't" becomes "dont" and "well-known" becomes "wellknown". Invalid
// UTF-8 is first replaced as ToValidUTF8 describes.
func RemovePunctuation(s string) string { return RemoveFunc(s, unicode.IsPunct) }

// RemoveSymbols removes symbols (Unicode categories S*: currency, maths,
// modifier and other symbols, among them most emoji) from s. Invalid UTF-8
// is first replaced as ToValidUTF8 describes.
func RemoveSymbols(s string) string { return RemoveFunc(s, unicode.IsSymbol) }

// FoldWhitespace replaces every run of white space in s (Unicode's
// White_Space property: spaces, tabs, line breaks, no-break and ideographic
// spaces) with one ASCII space and trims it from both ends. Zero-width
// spaces are format characters, not white space: remove them with
// RemoveControl. Invalid UTF-8 is first replaced as ToValidUTF8 describes.
func FoldWhitespace(s string) string {
	s = ToValidUTF8(s)
	// Fast path: nothing to do when s has single ASCII spaces only.
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') || c != ' ' && asciiSpace(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// asciiSpace reports whether c is ASCII white space.
func asciiSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// Chain returns a function that applies the normalizers fs to its input in
// order, for example
//
//	clean := text.Chain(text.NFKC, text.RemoveControl, text.Lower, text.StripAccents, text.FoldWhitespace)
func Chain(fs ...func(string) string) func(string) string {
	fs = append([]func(string) string(nil), fs...)
	return func(s string) string {
		for _, f := range fs {
			s = f(s)
		}
		return s
	}
}
