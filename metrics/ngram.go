package metrics

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// This file holds the n-gram counting shared by BLEU, chrF and ROUGE. The
// tokens of one segment (a hypothesis and its references) are interned to
// small integers; the n-grams of an order are then packed into uint64 keys
// and sorted, so that clipped counts are merges of sorted lists. When a
// segment has too many distinct tokens for its n-grams to fit in 64 bits,
// the n-grams fall back to map keys made of the ids' bytes.

// interner gives each distinct token of a segment an id from 1.
type interner struct {
	ids map[string]uint32
}

func (in *interner) reset() {
	if in.ids == nil {
		in.ids = make(map[string]uint32, 64)
	} else {
		clear(in.ids)
	}
}

func (in *interner) id(tok string) uint32 {
	if v, ok := in.ids[tok]; ok {
		return v
	}
	v := uint32(len(in.ids) + 1)
	in.ids[tok] = v
	return v
}

func (in *interner) appendIDs(dst []uint32, toks []string) []uint32 {
	for _, t := range toks {
		dst = append(dst, in.id(t))
	}
	return dst
}

// keyBits returns the bits that one id needs when the largest id is maxID,
// and whether n-grams of order n fit in a uint64.
func keyBits(maxID uint32, n int) (uint, bool) {
	b := uint(bits.Len32(maxID))
	if b == 0 {
		b = 1
	}
	return b, b*uint(n) <= 64
}

// sortedKeys appends to dst[:0] the packed keys of the order-n n-grams of
// ids, sorted.
func sortedKeys(dst []uint64, ids []uint32, n int, b uint) []uint64 {
	dst = dst[:0]
	for i := 0; i+n <= len(ids); i++ {
		var k uint64
		for j := 0; j < n; j++ {
			k = k<<b | uint64(ids[i+j])
		}
		dst = append(dst, k)
	}
	if len(dst) > 1 {
		slices.Sort(dst)
	}
	return dst
}

// runs compresses a sorted key list into distinct keys and their counts.
func runs(keys []uint64, dk []uint64, dc []int) ([]uint64, []int) {
	dk, dc = dk[:0], dc[:0]
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		dk = append(dk, keys[i])
		dc = append(dc, j-i)
		i = j
	}
	return dk, dc
}

// matchSorted returns the sum over keys of min(count in a, count in b) for
// two sorted key lists.
func matchSorted(a, b []uint64) int {
	m := 0
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			k := a[i]
			ca, cb := 0, 0
			for i < len(a) && a[i] == k {
				i++
				ca++
			}
			for j < len(b) && b[j] == k {
				j++
				cb++
			}
			m += min(ca, cb)
		}
	}
	return m
}

// maxInto raises refMax[t] to the count in the sorted list ref of the key
// hk[t], for every distinct hypothesis key hk (sorted).
func maxInto(hk []uint64, refMax []int, ref []uint64) {
	t, j := 0, 0
	for t < len(hk) && j < len(ref) {
		switch {
		case hk[t] < ref[j]:
			t++
		case hk[t] > ref[j]:
			j++
		default:
			c := 0
			for j < len(ref) && ref[j] == hk[t] {
				j++
				c++
			}
			if c > refMax[t] {
				refMax[t] = c
			}
			t++
		}
	}
}

// wideCounts counts the order-n n-grams of ids in a map keyed by the ids'
// bytes; it is the path for segments whose n-grams do not fit in 64 bits.
func wideCounts(ids []uint32, n int) map[string]int {
	m := make(map[string]int, len(ids))
	buf := make([]byte, 4*n)
	for i := 0; i+n <= len(ids); i++ {
		for j := 0; j < n; j++ {
			binary.LittleEndian.PutUint32(buf[4*j:], ids[i+j])
		}
		m[string(buf)]++
	}
	return m
}

// wideMatch returns the sum over keys of min(a[k], b[k]).
func wideMatch(a, b map[string]int) int {
	m := 0
	for k, ca := range a {
		if cb, ok := b[k]; ok {
			m += min(ca, cb)
		}
	}
	return m
}

// clipped returns the clipped n-gram matches of a hypothesis against
// several references, as BLEU counts them: each hypothesis n-gram counts at
// most as often as it occurs in the reference where it occurs most. It also
// returns the number of hypothesis n-grams.
type clipScratch struct {
	hk, rk, dk []uint64
	dc, rmax   []int
}

func (cs *clipScratch) clipped(hyp []uint32, refs [][]uint32, n int, maxID uint32) (match, total int) {
	total = max(0, len(hyp)-n+1)
	if total == 0 {
		return 0, 0
	}
	b, ok := keyBits(maxID, n)
	if !ok {
		h := wideCounts(hyp, n)
		best := make(map[string]int, len(h))
		for _, r := range refs {
			for k, c := range wideCounts(r, n) {
				if _, in := h[k]; in && c > best[k] {
					best[k] = c
				}
			}
		}
		for k, c := range h {
			match += min(c, best[k])
		}
		return match, total
	}
	cs.hk = sortedKeys(cs.hk, hyp, n, b)
	if len(refs) == 1 {
		cs.rk = sortedKeys(cs.rk, refs[0], n, b)
		return matchSorted(cs.hk, cs.rk), total
	}
	cs.dk, cs.dc = runs(cs.hk, cs.dk, cs.dc)
	cs.rmax = slices.Grow(cs.rmax[:0], len(cs.dk))[:len(cs.dk)]
	clear(cs.rmax)
	for _, r := range refs {
		cs.rk = sortedKeys(cs.rk, r, n, b)
		maxInto(cs.dk, cs.rmax, cs.rk)
	}
	for t, c := range cs.dc {
		match += min(c, cs.rmax[t])
	}
	return match, total
}

// pairMatch returns the n-gram matches between two id sequences (the sum
// over n-grams of the smaller count) and the n-gram totals of each side.
func (cs *clipScratch) pairMatch(a, b []uint32, n int, maxID uint32) (match, na, nb int) {
	na, nb = max(0, len(a)-n+1), max(0, len(b)-n+1)
	if na == 0 || nb == 0 {
		return 0, na, nb
	}
	if n == 1 {
		return cs.unigramMatch(a, b, maxID), na, nb
	}
	bits, ok := keyBits(maxID, n)
	if !ok {
		return wideMatch(wideCounts(a, n), wideCounts(b, n)), na, nb
	}
	cs.hk = sortedKeys(cs.hk, a, n, bits)
	cs.rk = sortedKeys(cs.rk, b, n, bits)
	return matchSorted(cs.hk, cs.rk), na, nb
}

// unigramMatch counts shared unigrams with a count table over the dense
// ids 1..maxID, without sorting.
func (cs *clipScratch) unigramMatch(a, b []uint32, maxID uint32) int {
	if cap(cs.dc) < int(maxID)+1 {
		cs.dc = make([]int, int(maxID)+1)
	}
	cnt := cs.dc[:maxID+1]
	clear(cnt)
	for _, x := range a {
		cnt[x]++
	}
	m := 0
	for _, y := range b {
		if cnt[y] > 0 {
			cnt[y]--
			m++
		}
	}
	return m
}
