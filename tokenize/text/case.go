package text

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/goformer/goformer/internal/unicase"
)

// Lower returns s in lower case by Unicode's full, language-independent
// mapping (what Python's str.lower does): it lower-cases capital sigma at
// the end of a word to final sigma (ΟΔΟΣ → οδος) and U+0130, capital I
// with dot above, to "i" plus U+0307, combining dot above; every other
// character takes its simple lower-case mapping. Use LowerIn for Turkish
// and Azeri dotless i, and for Lithuanian. Invalid UTF-8 is first replaced
// as ToValidUTF8 describes.
func Lower(s string) string {
	t := lowerTable.get()
	var b strings.Builder
	pending := 0 // s[pending:i] is unchanged and not yet written to b
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// Whole blocks of lower-case ASCII, then byte by byte to the
			// end of the ASCII run.
			for i = skipLowerASCII(s, i); i < len(s) && s[i] < utf8.RuneSelf; i++ {
				if c := s[i]; c-'A' < 26 {
					if pending == 0 && b.Cap() == 0 {
						b.Grow(len(s) + len(s)/8)
					}
					b.WriteString(s[pending:i])
					b.WriteByte(c + 'a' - 'A')
					pending = i + 1
				}
			}
			continue
		}
		if t.leadSame[c] { // no rune this byte starts changes: only validate
			if c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				i += 2
				continue
			}
			if c >= 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				i += 3
				continue
			}
		}
		r, n := decodeAt(s, i)
		if n == 0 {
			return Lower(ToValidUTF8(s))
		}
		d := t.delta(r)
		if d == 0 {
			i += n
			continue
		}
		if pending == 0 && b.Cap() == 0 {
			b.Grow(len(s) + len(s)/8)
		}
		b.WriteString(s[pending:i])
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3A3:
			if unicase.FinalSigma(s, i) {
				b.WriteString("ς")
			} else {
				b.WriteString("σ")
			}
		default:
			b.WriteRune(r + d)
		}
		i += n
		pending = i
	}
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[pending:])
	return b.String()
}

// LowerIn returns s in lower case by the rules of the language tag: for
// Turkish (language.Turkish) and Azeri, I becomes dotless ı and İ becomes
// i. Invalid UTF-8 is first replaced as ToValidUTF8 describes.
func LowerIn(s string, tag language.Tag) string {
	return cases.Lower(tag).String(ToValidUTF8(s))
}

// Fold returns the Unicode full case folding of s (CaseFolding.txt,
// statuses C and F, as Python's str.casefold), the form for caseless
// matching: Fold("Straße") == Fold("STRASSE") == "strasse". It is not
// meant for display: Cherokee, for one, folds to upper case. Invalid UTF-8
// is first replaced as ToValidUTF8 describes.
func Fold(s string) string {
	t := foldTable.get()
	var b strings.Builder
	pending := 0 // s[pending:i] is unchanged and not yet written to b
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// Whole blocks of lower-case ASCII, then byte by byte to the
			// end of the ASCII run.
			for i = skipLowerASCII(s, i); i < len(s) && s[i] < utf8.RuneSelf; i++ {
				if c := s[i]; c-'A' < 26 {
					if pending == 0 && b.Cap() == 0 {
						b.Grow(len(s) + len(s)/8)
					}
					b.WriteString(s[pending:i])
					b.WriteByte(c + 'a' - 'A')
					pending = i + 1
				}
			}
			continue
		}
		if t.leadSame[c] { // no rune this byte starts changes: only validate
			if c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				i += 2
				continue
			}
			if c >= 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				i += 3
				continue
			}
		}
		r, n := decodeAt(s, i)
		if n == 0 {
			return Fold(ToValidUTF8(s))
		}
		d := t.delta(r)
		if d == 0 {
			i += n
			continue
		}
		if pending == 0 && b.Cap() == 0 {
			b.Grow(len(s) + len(s)/8)
		}
		b.WriteString(s[pending:i])
		if f, ok := fullFold[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r + d)
		}
		i += n
		pending = i
	}
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[pending:])
	return b.String()
}

// foldRune returns the simple case folding of r (CaseFolding.txt status
// C): its lower case after upper-casing, which also folds variants such as
// ſ, ς and ϑ, except that dotless ı stays itself and Cherokee folds to
// upper case.
func foldRune(r rune) rune {
	switch {
	case r == 0x131, r >= 0x13A0 && r <= 0x13F5:
		return r
	case r >= 0x13F8 && r <= 0x13FD:
		return r - 8
	case r >= 0xAB70 && r <= 0xABBF:
		return r - 0xAB70 + 0x13A0
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isLowerASCII reports whether s is ASCII with no upper-case letter.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// runeTable maps runes below U+20000 to the difference between a case
// mapping of the rune and the rune, in blocks of 256 that share storage
// when they are alike (most are all zero). Runes from U+20000 up have no
// case.
type runeTable struct {
	once  sync.Once
	mk    func(rune) rune // the mapping; marked runes map to themselves + 1
	index [0x20000 >> 8]uint16
	data  []int32
	// leadSame marks the lead bytes of two- and three-byte sequences
	// (but E0 and ED) none of whose runes the mapping changes.
	leadSame [256]bool
}

var (
	// lowerTable is unicode.ToLower, with U+0130 and U+03A3, which Lower
	// treats apart, marked.
	lowerTable = runeTable{mk: func(r rune) rune {
		if r == 0x130 || r == 0x3A3 {
			return r + 1
		}
		return unicode.ToLower(r)
	}}
	// foldTable is foldRune, with the runes of fullFold marked.
	foldTable = runeTable{mk: func(r rune) rune {
		if _, ok := fullFold[r]; ok {
			return r + 1
		}
		return foldRune(r)
	}}
)

// get builds the table on first use and returns it.
func (t *runeTable) get() *runeTable {
	t.once.Do(func() {
		blocks := map[[256]int32]uint16{{}: 0}
		t.data = make([]int32, 256)
		for hi := range t.index {
			var blk [256]int32
			for lo := range blk {
				r := rune(hi<<8 | lo)
				blk[lo] = t.mk(r) - r
			}
			k, ok := blocks[blk]
			if !ok {
				k = uint16(len(t.data) >> 8)
				blocks[blk] = k
				t.data = append(t.data, blk[:]...)
			}
			t.index[hi] = k
		}
		for c := 0xC2; c <= 0xEF; c++ {
			if c == 0xE0 || c == 0xED {
				continue
			}
			lo, hi := rune(c&0x1F)<<6, rune(c&0x1F)<<6|0x3F
			if c >= 0xE0 {
				lo, hi = rune(c&0x0F)<<12, rune(c&0x0F)<<12|0xFFF
			}
			same := true
			for r := lo; r <= hi && same; r++ {
				same = t.delta(r) == 0
			}
			t.leadSame[c] = same
		}
	})
	return t
}

// delta returns the mapping of r minus r; 0 for runes the mapping keeps.
func (t *runeTable) delta(r rune) rune {
	if r >= 0x20000 {
		return 0
	}
	return t.data[int(t.index[r>>8])<<8|int(r&0xFF)]
}
