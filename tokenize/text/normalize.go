package text

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns the Unicode canonical composition of s: "e" followed by
// U+0301 (combining acute) becomes "é". Invalid UTF-8 is first replaced as
// ToValidUTF8 describes.
//
// All four normal forms give x/text's results, which equal the Unicode
// standard's (and Python's unicodedata) except after more than 30
// combining marks in a row: x/text then inserts U+034F (combining grapheme
// joiner) as UAX #15's Stream-Safe Text Format asks. No natural text has
// such runs.
func NFC(s string) string { return normalize(norm.NFC, s) }

// NFD returns the Unicode canonical decomposition of s: "é" becomes "e"
// followed by U+0301. Invalid UTF-8 is first replaced as ToValidUTF8
// describes.
func NFD(s string) string { return decompose(norm.NFD, s) }

// NFKC returns the Unicode compatibility composition of s: ligatures,
// full-width forms, superscripts and the like become their plain forms
// ("ﬁ" → "fi", "Ｈｅｌｌｏ" → "Hello", "x²" → "x2"), then composes. Invalid
// UTF-8 is first replaced as ToValidUTF8 describes.
func NFKC(s string) string { return normalize(norm.NFKC, s) }

// NFKD returns the Unicode compatibility decomposition of s. Invalid UTF-8
// is first replaced as ToValidUTF8 describes.
func NFKD(s string) string { return decompose(norm.NFKD, s) }

// normalize applies the normal form f to s. Runs of characters that the
// form leaves alone and that start a new segment are copied as they are;
// only the segments around other characters go through x/text's
// normalizer. When nothing changes, s itself is returned.
func normalize(f norm.Form, s string) string {
	t := formTables[f].get()
	var out []byte
	done, lastSafe := 0, 0 // s[:done] is in out; s[lastSafe] starts a safe rune
	segments := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf { // ASCII is safe in every form
			j := asciiEnd(s, i+1)
			lastSafe, i = j-1, j
			continue
		}
		// This loop is the whole cost of normalizing text that is already
		// normal. Runes whose lead byte alone shows them safe (CJK, Hangul,
		// most alphabets) are only validated; other two- and three-byte
		// runes are decoded here, inline.
		if c := s[i]; t.leadSafe[c] {
			if c < 0xE0 {
				if i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
					lastSafe = i
					i += 2
					continue
				}
			} else if i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				lastSafe = i
				i += 3
				continue
			}
		}
		var r rune
		var n int
		if c, k := s[i], i+1; c >= 0xC2 && c < 0xE0 && k < len(s) && s[k]&0xC0 == 0x80 {
			r, n = rune(c&0x1F)<<6|rune(s[k]&0x3F), 2
		} else if c >= 0xE1 && c <= 0xEC && k+1 < len(s) && s[k]&0xC0 == 0x80 && s[k+1]&0xC0 == 0x80 {
			r, n = rune(c&0x0F)<<12|rune(s[k]&0x3F)<<6|rune(s[k+1]&0x3F), 3
		} else if r, n = decodeAt(s, i); n == 0 {
			return normalize(f, ToValidUTF8(s))
		}
		if r < 0x20000 && t.bits[r>>6]&(1<<(r&63)) != 0 || r >= 0x20000 && t.safeSlow(r) {
			lastSafe = i
			i += n
			continue
		}
		// The segment from the last safe rune up to the next one is
		// normalized on its own: safe runes are boundaries.
		j := i + n
		for j < len(s) {
			if s[j] < utf8.RuneSelf {
				break
			}
			r, n := utf8.DecodeRuneInString(s[j:])
			if t.safe(r) {
				break
			}
			j += n
		}
		if out == nil {
			out = make([]byte, 0, len(s)+len(s)/4)
		}
		out = append(out, s[done:lastSafe]...)
		if segments++; segments > 16 {
			// Many segments change: one call for the rest costs less.
			return string(f.AppendString(out, s[lastSafe:]))
		}
		out = f.AppendString(out, s[lastSafe:j])
		done, lastSafe, i = j, j, j
	}
	if out == nil {
		return s
	}
	return string(append(out, s[done:]...))
}

// decompose applies the decomposing form f (NFD or NFKD) to s. It copies
// runs of safe runes, decomposes the others itself (Hangul syllables by
// arithmetic, the rest from x/text's tables) and puts combining marks in
// canonical order. A run of more than maxMarks combining marks is handed to
// x/text, which breaks very long runs with U+034F as the Stream-Safe Text
// Format asks, so that the result always equals x/text's.
func decompose(f norm.Form, s string) string {
	t := formTables[f].get()
	var out []byte
	var marks [maxMarks]markRune
	nmarks := 0
	pend := -1            // s[pend:i] is a run of safe runes not yet in out
	lastSafe := 0         // s[lastSafe] starts the last safe rune seen
	segIn, segOut := 0, 0 // the current segment starts at s[segIn], out[segOut]
	for i := 0; i < len(s); {
		var r rune
		n, safe := 0, false
		if c := s[i]; c < utf8.RuneSelf {
			n, safe = asciiEnd(s, i+1)-i, true
		} else if t.leadSafe[c] { // safe whatever the rune: only validate
			if c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				n, safe = 2, true
			} else if c >= 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				n, safe = 3, true
			}
		}
		if !safe {
			if r, n = decodeAt(s, i); n == 0 {
				return decompose(f, ToValidUTF8(s))
			}
			safe = t.safe(r)
		}
		if safe {
			if nmarks > 0 {
				out = appendMarks(out, marks[:nmarks])
				nmarks = 0
			}
			if pend < 0 {
				pend = i
			}
			if s[i] < utf8.RuneSelf {
				lastSafe = i + n - 1
			} else {
				lastSafe = i
			}
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s)+len(s)/4)
		}
		if pend >= 0 {
			out = append(out, s[pend:i]...)
			pend = -1
			segIn, segOut = lastSafe, len(out)-(i-lastSafe)
		}
		overflow := false
		var dbuf [4]rune
		for _, x := range t.decomposition(r, s[i:i+n], dbuf[:0]) {
			c := cccOf(x)
			if c == 0 {
				out = appendMarks(out, marks[:nmarks])
				nmarks = 0
				out = utf8.AppendRune(out, x)
				continue
			}
			if nmarks == maxMarks {
				overflow = true
				break
			}
			k := nmarks
			for k > 0 && marks[k-1].ccc > c {
				marks[k] = marks[k-1]
				k--
			}
			marks[k] = markRune{x, c}
			nmarks++
		}
		i += n
		if overflow {
			// Hand the whole segment, up to the next safe rune, to x/text.
			j := i
			for j < len(s) {
				if s[j] < utf8.RuneSelf {
					break
				}
				r, n := utf8.DecodeRuneInString(s[j:])
				if t.safe(r) {
					break
				}
				j += n
			}
			nmarks = 0
			out = f.AppendString(out[:segOut], s[segIn:j])
			i = j
			segIn, segOut = j, len(out)
		}
	}
	if out == nil {
		return s
	}
	if pend >= 0 {
		out = append(out, s[pend:]...)
	}
	return string(appendMarks(out, marks[:nmarks]))
}

// appendMarks appends the runes of marks to out.
func appendMarks(out []byte, marks []markRune) []byte {
	for _, m := range marks {
		out = utf8.AppendRune(out, m.r)
	}
	return out
}

// maxMarks is the longest run of combining marks decompose orders itself.
const maxMarks = 24

// markRune is a combining mark waiting for canonical ordering.
type markRune struct {
	r   rune
	ccc uint8
}

// decomposition returns the full decomposition of r (whose encoding is
// enc) under the table's form, or r alone; buf is scratch space.
func (t *formTable) decomposition(r rune, enc string, buf []rune) []rune {
	const sBase, lBase, vBase, tBase, tCount, nCount = 0xAC00, 0x1100, 0x1161, 0x11A7, 28, 588
	if r >= sBase && r < sBase+11172 {
		si := r - sBase
		buf = append(buf, lBase+si/nCount, vBase+si%nCount/tCount)
		if si%tCount != 0 {
			buf = append(buf, tBase+si%tCount)
		}
		return buf
	}
	if r < 0x20000 {
		if b := t.decIndex[r>>8]; b != 0 {
			if e := t.decData[int(b)<<8|int(r&0xFF)]; e != 0 {
				return t.decRunes[e>>5 : e>>5+e&31]
			}
		}
		return append(buf, r)
	}
	d := t.form.PropertiesString(enc).Decomposition()
	if d == nil {
		return append(buf, r)
	}
	for len(d) > 0 {
		x, n := utf8.DecodeRune(d)
		buf = append(buf, x)
		d = d[n:]
	}
	return buf
}

// cccTable holds the canonical combining classes of the runes below
// U+20000 in blocks of 256, block 0 being all zero.
var cccTable struct {
	once  sync.Once
	index [0x20000 >> 8]uint16
	data  []uint8
}

// cccOf returns the canonical combining class of r.
func cccOf(r rune) uint8 {
	if r < 0x300 {
		return 0
	}
	cccTable.once.Do(func() {
		cccTable.data = make([]uint8, 256)
		var buf [utf8.UTFMax]byte
		for hi := range cccTable.index {
			var blk [256]uint8
			any := false
			for lo := range blk {
				n := utf8.EncodeRune(buf[:], rune(hi<<8|lo))
				blk[lo] = norm.NFD.Properties(buf[:n]).CCC()
				any = any || blk[lo] != 0
			}
			if any {
				cccTable.index[hi] = uint16(len(cccTable.data) >> 8)
				cccTable.data = append(cccTable.data, blk[:]...)
			}
		}
	})
	if r >= 0x20000 {
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		return norm.NFD.Properties(buf[:n]).CCC()
	}
	return cccTable.data[int(cccTable.index[r>>8])<<8|int(r&0xFF)]
}

// formTable records, for one normal form, which runes below U+20000 are
// safe: they start a segment (cannot combine with anything before them)
// and the form leaves them unchanged.
type formTable struct {
	once sync.Once
	form norm.Form
	bits [0x20000 / 64]uint64
	// The decompositions of the unsafe runes below U+20000 other than
	// Hangul syllables: decData[decIndex[r>>8]<<8 | r&0xFF] is
	// offset<<5 | length in decRunes, 0 for none; decIndex 0 is no block.
	decIndex [0x20000 >> 8]uint16
	decData  []uint32
	decRunes []rune
	// leadSafe marks the lead bytes of two- and three-byte sequences all
	// of whose runes are safe (E0 and ED, whose second bytes are
	// restricted, excepted), so that the scan need not decode them.
	leadSafe [256]bool
}

// formTables holds the tables of norm.NFC, NFD, NFKC and NFKD, in the
// order of their constants.
var formTables = [4]formTable{{form: norm.NFC}, {form: norm.NFD}, {form: norm.NFKC}, {form: norm.NFKD}}

// get builds the table on first use (about 15 ms) and returns it.
func (t *formTable) get() *formTable {
	t.once.Do(func() {
		var buf [utf8.UTFMax]byte
		t.decData = make([]uint32, 256)
		t.decRunes = make([]rune, 1) // offset 0 means none
		for r := rune(0); r < 0x20000; r++ {
			n := utf8.EncodeRune(buf[:], r)
			p := t.form.Properties(buf[:n])
			if p.BoundaryBefore() && t.form.IsNormal(buf[:n]) {
				t.bits[r>>6] |= 1 << (r & 63)
				continue
			}
			d := p.Decomposition()
			if d == nil || r >= 0xAC00 && r < 0xAC00+11172 {
				continue
			}
			if t.decIndex[r>>8] == 0 {
				t.decIndex[r>>8] = uint16(len(t.decData) >> 8)
				t.decData = append(t.decData, make([]uint32, 256)...)
			}
			off := len(t.decRunes)
			for len(d) > 0 {
				x, k := utf8.DecodeRune(d)
				t.decRunes = append(t.decRunes, x)
				d = d[k:]
			}
			t.decData[int(t.decIndex[r>>8])<<8|int(r&0xFF)] = uint32(off)<<5 | uint32(len(t.decRunes)-off)
		}
		t.leadSafe = leadBytesAllSet(&t.bits)
	})
	return t
}

// leadBytesAllSet returns, for each lead byte of a two- or three-byte
// sequence other than E0 and ED (whose second bytes are restricted),
// whether every rune it can start has its bit set.
func leadBytesAllSet(bits *[0x20000 / 64]uint64) (lead [256]bool) {
	for c := 0xC2; c <= 0xEF; c++ {
		if c == 0xE0 || c == 0xED {
			continue
		}
		lo, hi := rune(c&0x1F)<<6, rune(c&0x1F)<<6|0x3F
		if c >= 0xE0 {
			lo, hi = rune(c&0x0F)<<12, rune(c&0x0F)<<12|0xFFF
		}
		all := true
		for r := lo; r <= hi && all; r++ {
			all = bits[r>>6]&(1<<(r&63)) != 0
		}
		lead[c] = all
	}
	return lead
}

// safe reports whether r is safe in the table's form.
func (t *formTable) safe(r rune) bool {
	if r < 0x20000 {
		return t.bits[r>>6]&(1<<(r&63)) != 0
	}
	return t.safeSlow(r)
}

// safeSlow is safe for runes from U+20000 up, which have no table.
func (t *formTable) safeSlow(r rune) bool {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return t.form.Properties(buf[:n]).BoundaryBefore() && t.form.IsNormal(buf[:n])
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
	t := stripTable.get()
	nfd := formTables[norm.NFD].get()
	var b strings.Builder
	pending := 0 // s[pending:i] is unchanged and not yet written to b
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i = asciiEnd(s, i+1)
			continue
		}
		if c := s[i]; t.leadKeep[c] {
			if c < 0xE0 {
				if i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
					i += 2
					continue
				}
			} else if i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				i += 3
				continue
			}
		}
		r, n := decodeAt(s, i)
		if n == 0 {
			return StripAccents(ToValidUTF8(s))
		}
		if t.keep(r) {
			i += n
			continue
		}
		if pending == 0 && b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[pending:i])
		var dbuf [4]rune
		for _, x := range nfd.decomposition(r, s[i:i+n], dbuf[:0]) {
			if !t.keep(x) && unicode.Is(unicode.Mn, x) {
				continue
			}
			b.WriteRune(x)
		}
		i += n
		pending = i
	}
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[pending:])
	// Removing marks can leave runs that compose (Hangul jamo, marks of
	// other categories) or need reordering; NFC settles them as the
	// decompose-filter-compose definition does.
	return NFC(b.String())
}

// stripRunes records which runes below U+20000 StripAccents keeps as they
// are: those NFD leaves alone, that start a segment, and that are not
// non-spacing marks.
type stripRunes struct {
	once     sync.Once
	bits     [0x20000 / 64]uint64
	leadKeep [256]bool // as formTable.leadSafe
}

var stripTable stripRunes

// get builds the table on first use and returns it.
func (t *stripRunes) get() *stripRunes {
	t.once.Do(func() {
		nfd := formTables[norm.NFD].get()
		for r := rune(0); r < 0x20000; r++ {
			if nfd.safe(r) && !unicode.Is(unicode.Mn, r) {
				t.bits[r>>6] |= 1 << (r & 63)
			}
		}
		t.leadKeep = leadBytesAllSet(&t.bits)
	})
	return t
}

// keep reports whether StripAccents copies r unchanged.
func (t *stripRunes) keep(r rune) bool {
	if r < 0x20000 {
		return t.bits[r>>6]&(1<<(r&63)) != 0
	}
	return keepSlow(r)
}

// keepSlow is keep for runes from U+20000 up, which have no table.
func keepSlow(r rune) bool {
	return formTables[norm.NFD].get().safe(r) && !unicode.Is(unicode.Mn, r)
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
