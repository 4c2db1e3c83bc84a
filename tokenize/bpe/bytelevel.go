package bpe

import "unicode/utf8"

// The byte-level alphabet of GPT-2: every byte is written as one printable
// rune in vocabulary files. Printable Latin-1 bytes stand for themselves; the
// other 68 bytes map to U+0100 onwards in byte order (so ' ' is 'Ġ').
var (
	byteToRune [256]rune
	runeToByte = map[rune]byte{}
)

func init() {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = 256 + n
			n++
		}
		runeToByte[byteToRune[b]] = byte(b)
	}
}

// ByteLevelAlphabet returns the 256 runes of the byte-level alphabet in
// byte order.
func ByteLevelAlphabet() []rune { return append([]rune(nil), byteToRune[:]...) }

// ByteLevelEncode writes raw bytes in the byte-level alphabet, as GPT-2's
// vocab.json does ("Ġthe" for " the").
func ByteLevelEncode(raw string) string {
	out := make([]byte, 0, 2*len(raw))
	for i := 0; i < len(raw); i++ {
		out = utf8.AppendRune(out, byteToRune[raw[i]])
	}
	return string(out)
}

// ByteLevelDecode turns a byte-level string back into raw bytes. It reports
// false if s holds a rune outside the alphabet.
func ByteLevelDecode(s string) (string, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		b, ok := runeToByte[r]
		if !ok {
			return "", false
		}
		out = append(out, b)
	}
	return string(out), true
}
