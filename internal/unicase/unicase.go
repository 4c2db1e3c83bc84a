// Package unicase holds the Unicode case properties that Python's
// str.lower depends on beyond a per-rune mapping: the Final_Sigma context
// of capital sigma and the derived properties Cased and Case_Ignorable. It
// is shared by the packages that reproduce str.lower (tokenize/text,
// tokenize/stem and metrics), each of which treats invalid UTF-8 in its own
// way.
package unicase

import (
	"unicode"
	"unicode/utf8"
)

// FinalSigma reports whether the capital sigma (U+03A3) at byte offset i
// of s is in Unicode's Final_Sigma context: preceded by a cased letter and
// not followed by one, ignoring case-ignorable characters in between.
func FinalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if CaseIgnorable(r) {
			continue
		}
		before = Cased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + len("Σ"); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if CaseIgnorable(r) {
			continue
		}
		return !Cased(r)
	}
	return true
}

// Cased reports Unicode's derived property Cased.
func Cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// CaseIgnorable reports Unicode's derived property Case_Ignorable: marks,
// format characters, modifier letters and symbols, and the word-internal
// punctuation of the Word_Break classes MidLetter, MidNumLet and
// Single_Quote.
func CaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024,
		0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
