// Package uclass classifies runes into the few Unicode classes that the
// tokenizers branch on (letters, numbers, white space, marks, punctuation,
// control and unassigned characters), with one table lookup per rune.
//
// The tables are generated from Go's unicode package by gen.go; Of agrees
// with unicode.Is for every rune (see the tests).
package uclass

import "unicode/utf8"

//go:generate go run gen.go

// Class flags. A rune may carry several.
const (
	L  uint8 = 1 << iota // letter: Lu Ll Lt Lm Lo
	N                    // number: Nd Nl No
	S                    // White_Space property (regex \s)
	Up                   // Lu Lt Lm Lo M: the "upper" class of o200k's pattern
	Lw                   // Ll Lm Lo M: the "lower" class of o200k's pattern
	Mn                   // nonspacing mark
	P                    // punctuation: Pc Pd Ps Pe Pi Pf Po
	C                    // other: Cc Cf Co Cs and unassigned code points
)

// ascii holds the classes of the 128 ASCII runes.
var ascii [128]uint8

func init() {
	for r := range ascii {
		ascii[r] = lookup(rune(r))
	}
}

func lookup(r rune) uint8 {
	return stage2[int(stage1[r>>blockBits])<<blockBits|int(r&(1<<blockBits-1))]
}

// Of returns the class flags of r. Runes outside the Unicode range and
// utf8.RuneError get the flags of U+FFFD (a symbol: no flags).
func Of(r rune) uint8 {
	if uint32(r) < 128 {
		return ascii[r]
	}
	if uint32(r) > utf8.MaxRune {
		return 0
	}
	return lookup(r)
}

// At decodes the rune that starts at s[i] and returns its class flags and
// its width in bytes. An invalid byte has width 1 and the flags of U+FFFD.
// i must be less than len(s).
func At(s string, i int) (flags uint8, width int) {
	if c := s[i]; c < utf8.RuneSelf {
		return ascii[c], 1
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	return lookup(r), w
}

// ASCII returns the class flags of the ASCII byte c (c < 128).
func ASCII(c byte) uint8 { return ascii[c] }
