package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Normalized is a piece of text on its way through the pipeline together
// with an alignment map: for every byte of the current text, the byte range
// of the original input it came from. Normalizers rewrite it; pre-tokenizers
// cut it into pieces that keep their own alignments, so every token can be
// traced back to the original text.
//
// A Normalized is a value; its methods that change it take a pointer.
type Normalized struct {
	text string
	// align holds two entries per byte of text, the original [start, end).
	// nil means the text is the original from offset base, unchanged.
	align []int32
	base  int
	// noAlign: nobody will ask for offsets, so rewrites skip the
	// alignment (the ids-only path).
	noAlign bool
}

// NewNormalized returns s unchanged, aligned to itself.
func NewNormalized(s string) Normalized { return Normalized{text: s} }

// String returns the current text.
func (n *Normalized) String() string { return n.text }

// Len returns the length of the current text in bytes.
func (n *Normalized) Len() int { return len(n.text) }

// OriginalRange returns the byte range of the original text that the
// current bytes [start, end) come from.
func (n *Normalized) OriginalRange(start, end int) (int, int) {
	if n.noAlign {
		return 0, 0
	}
	if n.align == nil {
		return n.base + start, n.base + end
	}
	if start < end {
		return int(n.align[2*start]), int(n.align[2*(end-1)+1])
	}
	// An empty range sits just before the byte at start, or after the
	// last byte.
	switch {
	case start < len(n.text):
		p := int(n.align[2*start])
		return p, p
	case start > 0:
		p := int(n.align[2*start-1])
		return p, p
	}
	return n.base, n.base
}

// Slice returns the part [start, end) of the current text with its
// alignment, sharing memory with n.
func (n *Normalized) Slice(start, end int) Normalized {
	if n.noAlign {
		return Normalized{text: n.text[start:end], noAlign: true}
	}
	if n.align == nil {
		return Normalized{text: n.text[start:end], base: n.base + start}
	}
	return Normalized{text: n.text[start:end], align: n.align[2*start : 2*end]}
}

// builder accumulates rewritten text with its alignment.
type builder struct {
	text    []byte
	align   []int32
	noAlign bool
}

// newBuilder returns a builder for a rewrite of n.
func (n *Normalized) newBuilder() builder { return builder{noAlign: n.noAlign} }

func (b *builder) grow(n int) {
	if cap(b.text)-len(b.text) < n {
		t := make([]byte, len(b.text), 2*cap(b.text)+n)
		copy(t, b.text)
		b.text = t
		if !b.noAlign {
			a := make([]int32, len(b.align), 2*cap(b.align)+2*n)
			copy(a, b.align)
			b.align = a
		}
	}
}

// al appends the alignment of one byte.
func (b *builder) al(s, e int32) {
	if !b.noAlign {
		b.align = append(b.align, s, e)
	}
}

// addRune appends r, every byte aligned to the original [s, e).
func (b *builder) addRune(r rune, s, e int32) {
	if r < utf8.RuneSelf {
		b.text = append(b.text, byte(r))
		b.al(s, e)
		return
	}
	n := len(b.text)
	b.text = utf8.AppendRune(b.text, r)
	if !b.noAlign {
		for i := n; i < len(b.text); i++ {
			b.al(s, e)
		}
	}
}

// addBytes appends raw bytes aligned to [s, e).
func (b *builder) addBytes(p string, s, e int32) {
	b.text = append(b.text, p...)
	if !b.noAlign {
		for range len(p) {
			b.al(s, e)
		}
	}
}

// noAlignment marks rewritten text whose alignment was not kept.
var noAlignment = []int32{}

// origin returns the original range of byte i of n.
func (n *Normalized) origin(i int) (int32, int32) {
	if n.noAlign {
		return 0, 0
	}
	if n.align == nil {
		return int32(n.base + i), int32(n.base + i + 1)
	}
	return n.align[2*i], n.align[2*i+1]
}

// runeOrigin returns the original range of the rune at bytes [i, i+w).
func (n *Normalized) runeOrigin(i, w int) (int32, int32) {
	if n.noAlign {
		return 0, 0
	}
	if n.align == nil {
		return int32(n.base + i), int32(n.base + i + w)
	}
	return n.align[2*i], n.align[2*(i+w-1)+1]
}

// set makes the builder's text the current text. The builder must not be
// used afterwards: its bytes become the string.
func (n *Normalized) set(b *builder) {
	n.text = unsafe.String(unsafe.SliceData(b.text), len(b.text))
	n.align = b.align
	n.base = 0
	if b.noAlign {
		// Offsets are not wanted; keep a non-nil alignment so the text
		// is not mistaken for an unchanged original.
		n.align = noAlignment
	}
	*b = builder{}
}

// MapRunes rewrites the text rune by rune: f appends the replacement of r
// (zero or more runes) to dst and returns it. Every output rune is aligned
// to the input rune it replaced. An invalid byte is passed as U+FFFD.
func (n *Normalized) MapRunes(f func(dst []rune, r rune) []rune) {
	b := n.newBuilder()
	b.grow(len(n.text) + 8)
	var buf [8]rune
	changed := false
	for i := 0; i < len(n.text); {
		r, w := utf8.DecodeRuneInString(n.text[i:])
		s, e := n.runeOrigin(i, w)
		out := f(buf[:0], r)
		if !changed && !(len(out) == 1 && out[0] == r && !(r == utf8.RuneError && w == 1)) {
			changed = true
		}
		for _, o := range out {
			b.addRune(o, s, e)
		}
		i += w
	}
	if changed {
		n.set(&b)
	}
}

// Filter drops the runes for which keep returns false.
func (n *Normalized) Filter(keep func(r rune) bool) {
	n.MapRunes(func(dst []rune, r rune) []rune {
		if keep(r) {
			return append(dst, r)
		}
		return dst
	})
}

// Lowercase maps the text to lower case, rune by rune.
func (n *Normalized) Lowercase() {
	if isLowerASCII(n.text) {
		return
	}
	n.MapRunes(func(dst []rune, r rune) []rune {
		return appendLower(dst, r)
	})
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// appendLower appends the lower case of r (Unicode simple lower-casing);
// U+0130 'İ', the one rune whose full lower case is two runes, becomes
// "i\u0307" as in Rust's char::to_lowercase.
func appendLower(dst []rune, r rune) []rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	if r == 'İ' {
		return append(dst, 'i', '\u0307')
	}
	if x, ok := bertLowerExceptions[r]; ok {
		// Runes whose lower case Rust's Unicode tables know and Go's do
		// not yet (see bert_tables.go).
		for _, l := range x {
			dst = append(dst, l)
		}
		return dst
	}
	return append(dst, unicode.ToLower(r))
}

// Prepend inserts s before the text, aligned to the start of the first
// rune.
func (n *Normalized) Prepend(s string) {
	if n.text == "" {
		return
	}
	b := n.newBuilder()
	b.grow(len(s) + len(n.text))
	_, w := utf8.DecodeRuneInString(n.text)
	st, en := n.runeOrigin(0, w)
	b.addBytes(s, st, en)
	n.appendAll(&b)
	n.set(&b)
}

// prependEmpty inserts s before the text aligned to the empty range at the
// start of the first rune, so that it covers no original text (Hugging
// Face's byte-level prefix space).
func (n *Normalized) prependEmpty(s string) {
	if n.text == "" {
		return
	}
	b := n.newBuilder()
	b.grow(len(s) + len(n.text))
	st, _ := n.origin(0)
	b.addBytes(s, st, st)
	n.appendAll(&b)
	n.set(&b)
}

// Append adds s after the text, aligned to the last rune.
func (n *Normalized) Append(s string) {
	if n.text == "" {
		return
	}
	b := n.newBuilder()
	b.grow(len(s) + len(n.text))
	n.appendAll(&b)
	_, w := utf8.DecodeLastRuneInString(n.text)
	st, en := n.runeOrigin(len(n.text)-w, w)
	b.addBytes(s, st, en)
	n.set(&b)
}

func (n *Normalized) appendAll(b *builder) {
	if b.noAlign {
		b.text = append(b.text, n.text...)
		return
	}
	for i := 0; i < len(n.text); i++ {
		s, e := n.origin(i)
		b.text = append(b.text, n.text[i])
		b.al(s, e)
	}
}

// Replace replaces every occurrence of old (non-empty) with new. The
// replacement is aligned to the last rune of the text it replaces, as in
// Hugging Face tokenizers.
func (n *Normalized) Replace(old, new string) {
	if old == "" || !strings.Contains(n.text, old) {
		return
	}
	var locs [][2]int
	for i := 0; i < len(n.text); {
		k := strings.Index(n.text[i:], old)
		if k < 0 {
			break
		}
		locs = append(locs, [2]int{i + k, i + k + len(old)})
		i += k + len(old)
	}
	n.replaceAt(locs, new)
}

// replaceAt replaces the byte ranges locs (in order, not overlapping) with
// new, each aligned to the last rune of the range it replaces.
func (n *Normalized) replaceAt(locs [][2]int, new string) {
	b := n.newBuilder()
	b.grow(len(n.text))
	prev := 0
	for _, l := range locs {
		for i := prev; i < l[0]; i++ {
			s, e := n.origin(i)
			b.text = append(b.text, n.text[i])
			b.al(s, e)
		}
		if l[1] > l[0] && new != "" {
			_, w := utf8.DecodeLastRuneInString(n.text[l[0]:l[1]])
			s, e := n.runeOrigin(l[1]-w, w)
			b.addBytes(new, s, e)
		}
		prev = l[1]
	}
	for i := prev; i < len(n.text); i++ {
		s, e := n.origin(i)
		b.text = append(b.text, n.text[i])
		b.al(s, e)
	}
	n.set(&b)
}

// Strip removes leading and/or trailing white space.
func (n *Normalized) Strip(left, right bool) {
	t := n.text
	start, end := 0, len(t)
	if left {
		start = len(t) - len(strings.TrimLeftFunc(t, isSpaceRune))
	}
	if right {
		end = len(strings.TrimRightFunc(t, isSpaceRune))
	}
	if end < start {
		end = start
	}
	if start == 0 && end == len(t) {
		return
	}
	*n = n.Slice(start, end)
}
