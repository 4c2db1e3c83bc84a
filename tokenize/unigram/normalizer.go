package unigram

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// spaceSymbol is U+2581 LOWER ONE EIGHTH BLOCK, which stands for a space
// inside pieces.
const spaceSymbol = "\u2581"

// Normalizer is SentencePiece's normalizer: it applies the rules of a
// precompiled character map (longest match first; NFKC and friends are
// compiled into such maps), removes leading, trailing and repeated
// whitespace, adds the dummy prefix and escapes spaces as ▁, and keeps an
// alignment from every byte of its output back to the input.
//
// A Normalizer is safe for concurrent use.
type Normalizer struct {
	addDummyPrefix  bool
	removeExtraWS   bool
	escapeWS        bool
	treatWSAsSuffix bool

	trie        *doubleArray // nil: identity
	replacement string       // NUL-terminated replacement strings
	// plain[c] is true for an ASCII byte c that no rule starts with:
	// it stands for itself, with no trie search.
	plain, asciiCont [128]bool

	userDefined *doubleArray // pieces passed through unnormalized
}

// NewNormalizer returns the normalizer for spec. treatWhitespaceAsSuffix
// (a trainer setting) puts the dummy ▁ at the end instead of the start.
// It fails if the precompiled map is corrupt.
func NewNormalizer(spec NormalizerSpec, treatWhitespaceAsSuffix bool) (*Normalizer, error) {
	n := &Normalizer{
		addDummyPrefix:  spec.AddDummyPrefix,
		removeExtraWS:   spec.RemoveExtraWhitespaces,
		escapeWS:        spec.EscapeWhitespaces,
		treatWSAsSuffix: treatWhitespaceAsSuffix,
	}
	if len(spec.PrecompiledCharsmap) > 0 {
		trie, repl, err := decodeCharsmap(spec.PrecompiledCharsmap)
		if err != nil {
			return nil, err
		}
		n.trie, n.replacement = trie, repl
	}
	n.setPlain()
	return n, nil
}

// setPlain classifies the ASCII bytes for the fast path: plain[c] when c
// alone is no rule and starts no user-defined piece, asciiCont[c] when some
// rule continues c with another ASCII byte.
func (n *Normalizer) setPlain() {
	for c := range n.plain {
		n.plain[c], n.asciiCont[c] = true, false
		if n.userDefined != nil && len(n.userDefined.units) > 0 && n.userDefined.hasChild(byte(c)) {
			n.plain[c] = false
		}
		if n.trie == nil || len(n.trie.units) == 0 {
			continue
		}
		isKey, cont := n.trie.asciiInfo(byte(c))
		if isKey {
			n.plain[c] = false
		}
		n.asciiCont[c] = cont
	}
}

// decodeCharsmap splits a precompiled charsmap into its double array and
// its replacement strings: <uint32 LE trie size in bytes><trie><strings>.
func decodeCharsmap(b []byte) (*doubleArray, string, error) {
	if len(b) <= 4 {
		return nil, "", fmt.Errorf("%w: precompiled charsmap of %d bytes", ErrCorruptModel, len(b))
	}
	size := binary.LittleEndian.Uint32(b)
	if uint64(size) >= uint64(len(b)) || size%4 != 0 {
		return nil, "", fmt.Errorf("%w: precompiled charsmap trie size %d exceeds blob size %d", ErrCorruptModel, size, len(b))
	}
	units := make([]uint32, size/4)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(b[4+4*i:])
	}
	return &doubleArray{units: units}, string(b[4+size:]), nil
}

// EncodeCharsmap builds a precompiled charsmap from rules mapping a source
// string to its replacement, in the layout SentencePiece reads. Sources must
// be non-empty and free of NUL bytes; replacements must be free of NUL bytes.
func EncodeCharsmap(rules map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var blob strings.Builder
	offsets := make(map[string]int32)
	values := make([]int32, len(keys))
	for i, k := range keys {
		r := rules[k]
		if strings.IndexByte(r, 0) >= 0 {
			return nil, fmt.Errorf("charsmap: replacement for %q contains NUL", k)
		}
		off, ok := offsets[r]
		if !ok {
			off = int32(blob.Len())
			offsets[r] = off
			blob.WriteString(r)
			blob.WriteByte(0)
		}
		values[i] = off
	}
	da, err := buildDoubleArray(keys, values)
	if err != nil {
		return nil, fmt.Errorf("charsmap: %w", err)
	}
	out := make([]byte, 4, 4+4*len(da.units)+blob.Len())
	binary.LittleEndian.PutUint32(out, uint32(4*len(da.units)))
	for _, u := range da.units {
		out = binary.LittleEndian.AppendUint32(out, u)
	}
	return append(out, blob.String()...), nil
}

// setUserDefined makes the normalizer pass the given pieces through
// unchanged wherever they start (longest match).
func (n *Normalizer) setUserDefined(pieces []string) error {
	if len(pieces) == 0 {
		n.userDefined = nil
		return nil
	}
	vals := make([]int32, len(pieces))
	da, err := buildDoubleArray(pieces, vals)
	if err != nil {
		return err
	}
	n.userDefined = da
	n.setPlain()
	return nil
}

// plainRun returns how many bytes at the start of s are ASCII characters
// other than space that no rule can touch: no rule is the byte alone, and
// the next byte does not continue a rule.
func (n *Normalizer) plainRun(s string) int {
	k := 0
	for k < len(s) {
		c := s[k]
		if c >= utf8.RuneSelf || c == ' ' || !n.plain[c] {
			break
		}
		if k+1 < len(s) {
			next := s[k+1]
			if next >= utf8.RuneSelf || n.asciiCont[c] {
				break
			}
		}
		k++
	}
	return k
}

// normalizePrefix returns the replacement of the longest rule matching the
// start of s and the number of input bytes it consumes. Invalid UTF-8
// consumes one byte and becomes U+FFFD.
func (n *Normalizer) normalizePrefix(s string, buf []prefixMatch) (string, int) {
	if n.userDefined != nil {
		buf = n.userDefined.commonPrefixSearch(s, buf[:0])
		if len(buf) > 0 {
			l := buf[len(buf)-1].length
			return s[:l], l
		}
	}
	if n.trie != nil {
		key := s
		buf = n.trie.commonPrefixSearch(key, buf[:0])
		// SentencePiece keeps at most 32 matches and takes the longest.
		if len(buf) > 32 {
			buf = buf[:32]
		}
		longest, value := 0, int32(0)
		for _, m := range buf {
			if longest == 0 || m.length > longest {
				longest, value = m.length, m.value
			}
		}
		if longest > 0 {
			r := n.replacement
			if int(value) < len(r) {
				r = r[value:]
				if e := strings.IndexByte(r, 0); e >= 0 {
					r = r[:e]
				}
			} else {
				r = ""
			}
			return r, longest
		}
	}
	c := s[0]
	if c < utf8.RuneSelf {
		return s[:1], 1
	}
	if l, ok := validUTF8Prefix(s); ok {
		return s[:l], l
	}
	return "\uFFFD", 1
}

// validUTF8Prefix reports the length of the UTF-8 character at the start of
// s as SentencePiece decodes it (surrogates and overlong forms rejected).
func validUTF8Prefix(s string) (int, bool) {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		return 1, false
	}
	return size, true
}

// Normalize returns the normalized form of s and, for every byte of it plus
// one past the end, the byte offset in s it comes from.
func (n *Normalizer) Normalize(s string) (string, []int) {
	var sb []byte
	align := make([]int, 0, len(s)+4)
	sb, align = n.normalize(s, make([]byte, 0, len(s)+8), align)
	return string(sb), align
}

// NormalizeString returns the normalized form of s without the alignment.
func (n *Normalizer) NormalizeString(s string) string {
	sb, _ := n.normalize(s, make([]byte, 0, len(s)+8), nil)
	return string(sb)
}

// normalize appends the normalized form of input to out, and the
// alignment to align when align is not nil.
func (n *Normalizer) normalize(input string, out []byte, align []int) ([]byte, []int) {
	withAlign := align != nil
	if input == "" {
		if withAlign {
			align = append(align, 0)
		}
		return out, align
	}
	var buf [8]prefixMatch
	consumed := 0
	if n.removeExtraWS {
		for input != "" {
			r, l := n.normalizePrefix(input, buf[:0])
			if r != " " {
				break
			}
			input = input[l:]
			consumed += l
		}
	}
	if input == "" {
		if withAlign {
			align = append(align, consumed)
		}
		return out, align
	}
	addWS := func() {
		if n.escapeWS {
			out = append(out, spaceSymbol...)
			if withAlign {
				align = append(align, consumed, consumed, consumed)
			}
		} else {
			out = append(out, ' ')
			if withAlign {
				align = append(align, consumed)
			}
		}
	}
	if !n.treatWSAsSuffix && n.addDummyPrefix {
		addWS()
	}
	isPrevSpace := n.removeExtraWS
	for input != "" {
		if k := n.plainRun(input); k > 0 {
			// Fast path: ASCII bytes that stand for themselves.
			out = append(out, input[:k]...)
			if withAlign {
				for j := 0; j < k; j++ {
					align = append(align, consumed+j)
				}
			}
			consumed += k
			input = input[k:]
			isPrevSpace = false
			continue
		}
		sp, l := n.normalizePrefix(input, buf[:0])
		for isPrevSpace && len(sp) > 0 && sp[0] == ' ' {
			sp = sp[1:]
		}
		if sp != "" {
			for i := 0; i < len(sp); i++ {
				if n.escapeWS && sp[i] == ' ' {
					out = append(out, spaceSymbol...)
					if withAlign {
						align = append(align, consumed, consumed, consumed)
					}
				} else {
					out = append(out, sp[i])
					if withAlign {
						align = append(align, consumed)
					}
				}
			}
			isPrevSpace = sp[len(sp)-1] == ' '
		}
		consumed += l
		input = input[l:]
		if !n.removeExtraWS {
			isPrevSpace = false
		}
	}
	if n.removeExtraWS {
		space := " "
		if n.escapeWS {
			space = spaceSymbol
		}
		for len(out) >= len(space) && string(out[len(out)-len(space):]) == space {
			l := len(out) - len(space)
			if withAlign {
				consumed = align[l]
				align = align[:l]
			}
			out = out[:l]
		}
	}
	if n.treatWSAsSuffix && n.addDummyPrefix {
		addWS()
	}
	if withAlign {
		align = append(align, consumed)
	}
	return out, align
}
