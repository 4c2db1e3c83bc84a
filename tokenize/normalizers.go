package tokenize

import (
	"regexp"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A Normalizer rewrites text before it is split, keeping the alignment to
// the original (see Normalized). Normalizers must be safe for concurrent
// use.
type Normalizer interface {
	Normalize(n *Normalized)
}

// NormalizerFunc adapts a function to the Normalizer interface.
type NormalizerFunc func(n *Normalized)

// Normalize calls f(n).
func (f NormalizerFunc) Normalize(n *Normalized) { f(n) }

// NormalizerSequence applies normalizers in order.
type NormalizerSequence []Normalizer

// Normalize applies each normalizer in turn.
func (s NormalizerSequence) Normalize(n *Normalized) {
	for _, x := range s {
		x.Normalize(n)
	}
}

// Lowercase lower-cases the text.
type Lowercase struct{}

// Normalize lower-cases n.
func (Lowercase) Normalize(n *Normalized) { n.Lowercase() }

// Strip removes white space at the start (Left) and/or end (Right).
type Strip struct{ Left, Right bool }

// Normalize strips n.
func (s Strip) Normalize(n *Normalized) { n.Strip(s.Left, s.Right) }

// StripAccents removes nonspacing marks (category Mn). Combine it with NFD
// to remove accents from precomposed letters.
type StripAccents struct{}

// Normalize removes the nonspacing marks of n.
func (StripAccents) Normalize(n *Normalized) {
	n.Filter(func(r rune) bool { return !unicode.Is(unicode.Mn, r) })
}

// Prepend inserts a string before non-empty text.
type Prepend struct{ Prefix string }

// Normalize prepends the prefix.
func (p Prepend) Normalize(n *Normalized) { n.Prepend(p.Prefix) }

// Replace replaces every match of a literal string (Old) or, if Regexp is
// set, of a regular expression, with New.
type Replace struct {
	Old    string
	Regexp *regexp.Regexp
	New    string
}

// Normalize performs the replacement.
func (r Replace) Normalize(n *Normalized) {
	if r.Regexp == nil {
		n.Replace(r.Old, r.New)
		return
	}
	var locs [][2]int
	for _, l := range r.Regexp.FindAllStringIndex(n.text, -1) {
		locs = append(locs, [2]int{l[0], l[1]})
	}
	if len(locs) == 0 {
		return
	}
	n.replaceAt(locs, r.New)
}

// UnicodeNormalizer applies one of the Unicode normalization forms NFC,
// NFD, NFKC or NFKD (golang.org/x/text/unicode/norm).
type UnicodeNormalizer struct{ Form norm.Form }

// Normalize puts n into the form. Unchanged text keeps its alignment. In a
// changed normalization segment each output rune is aligned to the input
// rune it comes from: the rune it decomposes from, or, for a composed rune,
// the input rune of its first (starter) component, as Hugging Face
// tokenizers aligns them.
func (u UnicodeNormalizer) Normalize(n *Normalized) {
	f := u.Form
	if f.QuickSpanString(n.text) == len(n.text) && utf8.ValidString(n.text) {
		return
	}
	decomp := norm.NFD
	if f == norm.NFKC || f == norm.NFKD {
		decomp = norm.NFKD
	}
	b := n.newBuilder()
	b.grow(len(n.text) + 16)
	var it norm.Iter
	it.InitString(f, n.text)
	pos := 0
	type src struct {
		r    rune
		from int // byte offset of the input rune in n.text
		w    int
		used bool
	}
	var srcs []src
	var pending []byte
	for !it.Done() {
		chunk := it.Next()
		end := it.Pos()
		if end == pos && !it.Done() {
			// Output ahead of the input position (a long expansion):
			// keep it for the segment that consumes the input.
			pending = append(pending, chunk...)
			continue
		}
		out := string(append(pending, chunk...))
		pending = pending[:0]
		seg := n.text[pos:end]
		if out == seg {
			for i := pos; i < end; i++ {
				s, e := n.origin(i)
				b.text = append(b.text, n.text[i])
				b.al(s, e)
			}
			pos = end
			continue
		}
		// The decomposed runes of the segment, each with its input rune.
		srcs = srcs[:0]
		for i := pos; i < end; {
			_, w := utf8.DecodeRuneInString(n.text[i:])
			for _, r := range decomp.String(n.text[i : i+w]) {
				srcs = append(srcs, src{r: r, from: i, w: w})
			}
			i += w
		}
		next := 0
		for _, o := range out {
			// Find the output rune's first component among the unused
			// decomposed runes, in order.
			first, _ := utf8.DecodeRuneInString(norm.NFD.String(string(o)))
			from, w := -1, 0
			for k := next; k < len(srcs); k++ {
				if !srcs[k].used && srcs[k].r == first {
					srcs[k].used = true
					from, w = srcs[k].from, srcs[k].w
					if k == next {
						next++
					}
					break
				}
			}
			var s, e int32
			if from < 0 {
				// No match (a rare compatibility mapping): the segment.
				s0, e0 := n.OriginalRange(pos, end)
				s, e = int32(s0), int32(e0)
			} else {
				s, e = n.runeOrigin(from, w)
			}
			b.addRune(o, s, e)
		}
		pos = end
	}
	n.set(&b)
}

// The Unicode normalization forms.
var (
	NFC  = UnicodeNormalizer{norm.NFC}
	NFD  = UnicodeNormalizer{norm.NFD}
	NFKC = UnicodeNormalizer{norm.NFKC}
	NFKD = UnicodeNormalizer{norm.NFKD}
)

// BertNormalizer is BERT's normalizer, as in Hugging Face tokenizers:
//
//   - CleanText removes NUL, U+FFFD and control and format characters and
//     turns every kind of white space into ' ';
//   - HandleChineseChars puts spaces around CJK ideographs;
//   - StripAccents (nil: same as Lowercase) decomposes (NFD) and removes
//     nonspacing marks;
//   - Lowercase lower-cases.
//
// Its Unicode tables follow Hugging Face tokenizers exactly, including the
// places where they lag or lead Go's (see bert_tables.go).
type BertNormalizer struct {
	CleanText          bool
	HandleChineseChars bool
	StripAccents       *bool
	Lowercase          bool
}

// NewBertNormalizer returns BERT's normalizer with all steps on and the given
// casing (lowercase for uncased models).
func NewBertNormalizer(lowercase bool) BertNormalizer {
	return BertNormalizer{CleanText: true, HandleChineseChars: true, Lowercase: lowercase}
}

func (bn BertNormalizer) strip() bool {
	if bn.StripAccents != nil {
		return *bn.StripAccents
	}
	return bn.Lowercase
}

// Normalize applies the enabled steps in one pass.
func (bn BertNormalizer) Normalize(n *Normalized) {
	strip := bn.strip()
	if bn.unchanged(n.text, strip) {
		return
	}
	b := n.newBuilder()
	b.grow(len(n.text) + len(n.text)/8 + 8)
	var dbuf [32]byte
	for i := 0; i < len(n.text); {
		c := n.text[i]
		if c < utf8.RuneSelf {
			s, e := n.origin(i)
			i++
			if bn.CleanText {
				if c == 0 || isASCIIControl(c) {
					continue
				}
				if c == '\t' || c == '\n' || c == '\r' {
					c = ' '
				}
			}
			if bn.Lowercase && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.text = append(b.text, c)
			b.al(s, e)
			continue
		}
		r, w := utf8.DecodeRuneInString(n.text[i:])
		s, e := n.runeOrigin(i, w)
		i += w
		if bn.CleanText {
			if r == utf8.RuneError || bertIsControl(r) {
				continue
			}
			if unicode.IsSpace(r) {
				b.text = append(b.text, ' ')
				b.al(s, e)
				continue
			}
		}
		chinese := bn.HandleChineseChars && isChineseChar(r)
		if chinese {
			b.text = append(b.text, ' ')
			b.al(s, e)
		}
		if strip {
			if x, ok := bertStripExceptions[r]; ok {
				for _, d := range x {
					bn.emit(&b, d, s, e)
				}
			} else {
				d := norm.NFD.AppendString(dbuf[:0], string(r))
				for _, dr := range string(d) {
					if !unicode.Is(unicode.Mn, dr) {
						bn.emit(&b, dr, s, e)
					}
				}
			}
		} else {
			bn.emit(&b, r, s, e)
		}
		if chinese {
			b.text = append(b.text, ' ')
			b.al(s, e)
		}
	}
	n.set(&b)
}

func (bn BertNormalizer) emit(b *builder, r rune, s, e int32) {
	if !bn.Lowercase {
		b.addRune(r, s, e)
		return
	}
	if x, ok := bertLowerExceptions[r]; ok {
		for _, l := range x {
			b.addRune(l, s, e)
		}
		return
	}
	if r == 'İ' {
		b.addRune('i', s, e)
		b.addRune('\u0307', s, e)
		return
	}
	b.addRune(unicode.ToLower(r), s, e)
}

// unchanged reports whether normalizing s changes nothing, for the common
// case of plain ASCII text.
func (bn BertNormalizer) unchanged(s string, strip bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if bn.CleanText && (c < ' ' || c == 0x7f) {
			return false
		}
		if bn.Lowercase && 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func isASCIIControl(c byte) bool {
	return (c < ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f
}

// bertIsControl reports whether BERT's clean-text step removes r (a
// non-ASCII rune).
func bertIsControl(r rune) bool {
	if bertNotControl[r] {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) || bertExtraControl[r]
}

// isChineseChar reports whether r is in one of the CJK ideograph blocks
// that BERT splits into single characters.
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// bertIsPunct reports whether BERT's pre-tokenizer splits r off: ASCII
// punctuation and symbols, and Unicode punctuation.
func bertIsPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiPunct[r]
	}
	if bertNotPunct[r] {
		return false
	}
	return unicode.IsPunct(r) || bertExtraPunct[r]
}

var asciiPunct = func() (t [128]bool) {
	for c := 0; c < 128; c++ {
		t[c] = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
	}
	return t
}()

func isSpaceRune(r rune) bool { return unicode.IsSpace(r) }
