package text

import "unicode/utf8"

// load64 reads 8 bytes of s at i, little-endian; the compiler turns it into
// one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	highBits = 0x8080808080808080
	lowOnes  = 0x0101010101010101
)

// skipASCII returns the first index at or after i that starts an 8-byte
// block holding a non-ASCII byte, or the start of the last, shorter block;
// every byte of s[i:result] is ASCII.
func skipASCII(s string, i int) int {
	for i+8 <= len(s) && load64(s, i)&highBits == 0 {
		i += 8
	}
	return i
}

// asciiEnd returns the end of the run of ASCII bytes that starts at s[i]:
// whole 8-byte blocks first, then byte by byte.
func asciiEnd(s string, i int) int {
	for i = skipASCII(s, i); i < len(s) && s[i] < utf8.RuneSelf; i++ {
	}
	return i
}

// skipLowerASCII is skipASCII that also stops at blocks holding an ASCII
// upper-case letter.
func skipLowerASCII(s string, i int) int {
	for i+8 <= len(s) {
		w := load64(s, i)
		// For ASCII bytes, adding 0x80-'A' sets the high bit of those >= 'A'
		// and adding 0x80-'Z'-1 that of those > 'Z'; no byte carries over.
		upper := (w + (0x80-'A')*lowOnes) &^ (w + (0x80-'Z'-1)*lowOnes)
		if (w|upper)&highBits != 0 {
			break
		}
		i += 8
	}
	return i
}

// decodeAt decodes the rune that starts at s[i], a byte >= 0x80. It
// returns n == 0 when the bytes there are not valid UTF-8. The two-byte
// case and the common three-byte one are small enough to be inlined.
func decodeAt(s string, i int) (r rune, n int) {
	if i+1 < len(s) {
		c, c1 := s[i], s[i+1]
		if c >= 0xC2 && c < 0xE0 && c1&0xC0 == 0x80 {
			return rune(c&0x1F)<<6 | rune(c1&0x3F), 2
		}
		if c >= 0xE1 && c <= 0xEC && c1&0xC0 == 0x80 && i+2 < len(s) && s[i+2]&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(s[i+2]&0x3F), 3
		}
	}
	return decodeSlow(s, i)
}

// decodeSlow is decodeAt for the other cases.
func decodeSlow(s string, i int) (rune, int) {
	if r, n := utf8.DecodeRuneInString(s[i:]); n > 1 {
		return r, n
	}
	return utf8.RuneError, 0
}
