package unigram

import (
	"encoding/binary"
	"errors"
	"index/suffixarray"
)

// suffixArray returns the suffix array of the character sequence t: the
// start positions of its suffixes in lexicographic order, a suffix that is
// a prefix of another coming first. It sorts the UTF-8 encoding of t with
// the standard library's SA-IS and keeps the suffixes that start a
// character: UTF-8 preserves the order of code points, so the order is the
// same as sorting the characters.
func suffixArray(t []rune) ([]int32, error) {
	var utf []byte
	starts := make([]int32, 0, len(t)+1)
	for _, c := range t {
		starts = append(starts, int32(len(utf)))
		utf = appendRune(utf, c)
	}
	starts = append(starts, int32(len(utf)))
	// Map from byte offset to character index (-1 inside a character).
	charAt := make([]int32, len(utf))
	for i := range charAt {
		charAt[i] = -1
	}
	for i, s := range starts[:len(t)] {
		charAt[s] = int32(i)
	}
	idx := suffixarray.New(utf)
	w := &saWriter{charAt: charAt, out: make([]int32, 0, len(t))}
	if err := idx.Write(w); err != nil {
		return nil, err
	}
	if w.err != nil {
		return nil, w.err
	}
	if len(w.out) != len(t) {
		return nil, errors.New("suffix array: wrong number of suffixes")
	}
	return w.out, nil
}

// appendRune appends the UTF-8 encoding of c, with NUL kept as one byte
// and no replacement of invalid code points (the trainer passes only valid
// ones and NUL).
func appendRune(b []byte, c rune) []byte {
	switch {
	case c < 0x80:
		return append(b, byte(c))
	case c < 0x800:
		return append(b, 0xC0|byte(c>>6), 0x80|byte(c&0x3F))
	case c < 0x10000:
		return append(b, 0xE0|byte(c>>12), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	default:
		return append(b, 0xF0|byte(c>>18), 0x80|byte(c>>12&0x3F), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	}
}

// saWriter reads the suffix array back from index/suffixarray's serialized
// form as it is written: a 10-byte length header, the data, then chunks
// each made of a 10-byte size header and the positions as uvarints.
type saWriter struct {
	calls  int
	charAt []int32
	out    []int32
	err    error
}

func (w *saWriter) Write(p []byte) (int, error) {
	w.calls++
	switch w.calls {
	case 1, 2: // length, data
		return len(p), nil
	}
	size, n := binary.Varint(p)
	if n <= 0 || size > int64(len(p)) {
		w.err = errors.New("suffix array: unexpected serialized form")
		return len(p), nil
	}
	q := p[binary.MaxVarintLen64:size]
	for len(q) > 0 {
		v, k := binary.Uvarint(q)
		if k <= 0 || v >= uint64(len(w.charAt)) {
			w.err = errors.New("suffix array: unexpected serialized form")
			return len(p), nil
		}
		q = q[k:]
		if c := w.charAt[v]; c >= 0 {
			w.out = append(w.out, c)
		}
	}
	return len(p), nil
}

// suffixTreeNodes enumerates the internal nodes of the suffix tree of t
// (substrings that occur at least twice and are right-branching) from its
// suffix array, in the order of the enhanced-suffix-array algorithm that
// SentencePiece's trainer uses: node i covers the suffixes sa[l[i]:r[i]]
// and has depth d[i] characters.
func suffixTreeNodes(t []rune, sa []int32) (l, r, d []int32) {
	n := int32(len(t))
	if n == 0 {
		return nil, nil, nil
	}
	// psi[sa[i]] = sa[i-1]; then the permuted LCP; then LCP in SA order.
	psi := make([]int32, n)
	psi[sa[0]] = sa[n-1]
	for i := int32(1); i < n; i++ {
		psi[sa[i]] = sa[i-1]
	}
	plcp := make([]int32, n)
	h := int32(0)
	for i := int32(0); i < n; i++ {
		j := psi[i]
		for i+h < n && j+h < n && t[i+h] == t[j+h] {
			h++
		}
		plcp[i] = h
		if h > 0 {
			h--
		}
	}
	hgt := psi // reuse
	for i := int32(0); i < n; i++ {
		hgt[i] = plcp[sa[i]]
	}
	hgt[0] = -1
	plcp = nil
	type pair struct{ first, second int32 }
	stack := []pair{{-1, -1}}
	for i := int32(0); ; i++ {
		cur := pair{i, -1}
		if i != n {
			cur.second = hgt[i]
		}
		cand := stack[len(stack)-1]
		for cand.second > cur.second {
			if i-cand.first > 1 {
				l = append(l, cand.first)
				r = append(r, i)
				d = append(d, cand.second)
			}
			cur.first = cand.first
			stack = stack[:len(stack)-1]
			cand = stack[len(stack)-1]
		}
		if cand.second < cur.second {
			stack = append(stack, cur)
		}
		if i == n {
			break
		}
		stack = append(stack, pair{i, n - sa[i] + 1})
	}
	return l, r, d
}
