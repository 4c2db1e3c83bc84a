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

// normalize applies the normal form f to s. Runs of characters that the
// form leaves alone and that start a new segment are copied as they are;
// only the segments around other characters go through x/text's
// normalizer. When nothing changes, s itself is returned.
func normalize(f norm.Form, s string) string {
	s = ToValidUTF8(s)
	t := formTables[f].get()
	var out []byte
	done, lastSafe := 0, 0 // s[:done] is in out; s[lastSafe] starts a safe rune
	segments := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf { // ASCII is safe in every form
			lastSafe = i
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if t.safe(r) {
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

// formTable records, for one normal form, which runes below U+20000 are
// safe: they start a segment (cannot combine with anything before them)
// and the form leaves them unchanged.
type formTable struct {
	once sync.Once
	form norm.Form
	bits *[0x20000 / 64]uint64
}

// formTables holds the tables of norm.NFC, NFD, NFKC and NFKD, in the
// order of their constants.
var formTables = [4]formTable{{form: norm.NFC}, {form: norm.NFD}, {form: norm.NFKC}, {form: norm.NFKD}}

// get builds the table on first use (about 15 ms) and returns it.
func (t *formTable) get() *formTable {
	t.once.Do(func() {
		t.bits = new([0x20000 / 64]uint64)
		var buf [utf8.UTFMax]byte
		for r := rune(0); r < 0x20000; r++ {
			n := utf8.EncodeRune(buf[:], r)
			if t.form.Properties(buf[:n]).BoundaryBefore() && t.form.IsNormal(buf[:n]) {
				t.bits[r>>6] |= 1 << (r & 63)
			}
		}
	})
	return t
}

// safe reports whether r is safe in the table's form.
func (t *formTable) safe(r rune) bool {
	if r < 0x20000 {
		return t.bits[r>>6]&(1<<(r&63)) != 0
	}
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
	s = ToValidUTF8(s)
	t := stripTable.get()
	var b strings.Builder
	pending := 0 // s[pending:i] is unchanged and not yet written to b
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := decodeRune(s, i)
		if t.keep(r) {
			i += n
			continue
		}
		if pending == 0 && b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[pending:i])
		if !unicode.Is(unicode.Mn, r) {
			d := norm.NFD.PropertiesString(s[i : i+n]).Decomposition()
			if d == nil {
				b.WriteString(s[i : i+n])
			}
			for len(d) > 0 {
				dr, dn := utf8.DecodeRune(d)
				if !unicode.Is(unicode.Mn, dr) {
					b.WriteRune(dr)
				}
				d = d[dn:]
			}
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
	once sync.Once
	bits *[0x20000 / 64]uint64
}

var stripTable stripRunes

// get builds the table on first use and returns it.
func (t *stripRunes) get() *stripRunes {
	t.once.Do(func() {
		nfd := formTables[norm.NFD].get()
		t.bits = new([0x20000 / 64]uint64)
		for r := rune(0); r < 0x20000; r++ {
			if nfd.safe(r) && !unicode.Is(unicode.Mn, r) {
				t.bits[r>>6] |= 1 << (r & 63)
			}
		}
	})
	return t
}

// keep reports whether StripAccents copies r unchanged.
func (t *stripRunes) keep(r rune) bool {
	if r < 0x20000 {
		return t.bits[r>>6]&(1<<(r&63)) != 0
	}
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
