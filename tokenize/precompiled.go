package tokenize

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Precompiled is the normalizer of SentencePiece models converted to
// tokenizer.json: the rules of a precompiled character map (NFKC and
// friends, compiled into a double-array trie of replacements), applied as
// Hugging Face tokenizers applies them: grapheme cluster by grapheme cluster
// (clusters under 6 bytes whole, when a rule matches their start), else
// character by character, each rule being the shortest that matches.
// SentencePiece itself applies the longest rule over the text; package
// unigram does that, for FromSentencePiece.
type Precompiled struct {
	charsmap []byte
	units    []uint32
	norm     []byte
}

func newPrecompiled(charsmap []byte) (*Precompiled, error) {
	bad := errors.New("tokenize: Precompiled: malformed character map")
	if len(charsmap) < 4 {
		return nil, bad
	}
	size := int(binary.LittleEndian.Uint32(charsmap))
	if size%4 != 0 || 4+size > len(charsmap) || size == 0 {
		return nil, bad
	}
	p := &Precompiled{charsmap: append([]byte(nil), charsmap...)}
	for i := 0; i < size; i += 4 {
		p.units = append(p.units, binary.LittleEndian.Uint32(charsmap[4+i:]))
	}
	p.norm = p.charsmap[4+size:]
	if !utf8.Valid(p.norm) {
		return nil, fmt.Errorf("%w (replacements are not UTF-8)", bad)
	}
	return p, nil
}

// transform returns the replacement of the shortest rule that matches a
// prefix of chunk.
func (p *Precompiled) transform(chunk string) (string, bool) {
	offset := func(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
	pos := offset(p.units[0])
	for i := 0; i < len(chunk); i++ {
		c := chunk[i]
		if c == 0 {
			return "", false
		}
		pos ^= uint32(c)
		if int(pos) >= len(p.units) {
			return "", false
		}
		u := p.units[pos]
		if u&((1<<31)|0xff) != uint32(c) {
			return "", false
		}
		pos ^= offset(u)
		if (u>>8)&1 == 1 {
			if int(pos) >= len(p.units) {
				return "", false
			}
			v := int(p.units[pos] & (1<<31 - 1))
			if v >= len(p.norm) {
				return "", false
			}
			end := v
			for end < len(p.norm) && p.norm[end] != 0 {
				end++
			}
			return string(p.norm[v:end]), true
		}
	}
	return "", false
}

// Normalize applies the character map. Alignment follows Hugging Face's
// bookkeeping exactly: each output rune records a change (0 replaces one
// original rune, +1 is inserted, -k also drops k original runes), and the
// runes are then laid over the original runes in order.
func (p *Precompiled) Normalize(n *Normalized) {
	s := n.text
	type change struct {
		r rune
		d int
	}
	var out []change
	changed := false
	push := func(old, repl string) {
		changed = true
		oldN, newN := utf8.RuneCountInString(old), utf8.RuneCountInString(repl)
		for _, r := range repl {
			out = append(out, change{r, 0})
		}
		switch diff := newN - oldN; {
		case diff > 0:
			for k := len(out) - diff; k < len(out); k++ {
				out[k].d = 1
			}
		case diff < 0 && len(out) > 0:
			out[len(out)-1].d += diff
		}
	}
	state := -1
	for i := 0; i < len(s); {
		cluster, _, _, st := uniseg.FirstGraphemeClusterInString(s[i:], state)
		state = st
		end := i + len(cluster)
		if len(cluster) < 6 {
			if repl, ok := p.transform(cluster); ok {
				push(cluster, repl)
				i = end
				continue
			}
		}
		for j := i; j < end; {
			r, w := utf8.DecodeRuneInString(s[j:])
			if repl, ok := p.transform(s[j : j+w]); ok {
				push(s[j:j+w], repl)
			} else {
				out = append(out, change{r, 0})
			}
			j += w
		}
		i = end
	}
	if !changed {
		return
	}
	// The original runes (of n.text) and their original ranges.
	var origins [][2]int32
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		o0, o1 := n.runeOrigin(i, w)
		origins = append(origins, [2]int32{o0, o1})
		i += w
	}
	b := n.newBuilder()
	b.grow(len(s) + 8)
	at := 0
	var start int32
	if len(origins) > 0 {
		start = origins[0][0]
	}
	for _, c := range out {
		var o [2]int32
		switch {
		case c.d > 0:
			if at < 1 {
				o = [2]int32{start, start}
			} else {
				o = origins[min(at, len(origins))-1]
			}
		case at < len(origins):
			o = origins[at]
			at += 1 - c.d
		default:
			e := origins[len(origins)-1][1]
			o = [2]int32{e, e}
		}
		b.addRune(c.r, o[0], o[1])
	}
	n.set(&b)
}
