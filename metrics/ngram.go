package metrics

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
)

// This file holds the n-gram counting shared by BLEU, chrF and ROUGE. The
// tokens of one segment (a hypothesis and its references) are interned to
// small integers; the n-grams of an order are then packed into uint64 keys
// and counted in a small open-addressing hash table. When a segment has too
// many distinct tokens for its n-grams to fit in 64 bits, the n-grams fall
// back to map keys made of the ids' bytes.

// interner gives each distinct token of a segment a dense id from 1 (so
// that n-grams pack into few bits). A worker-wide map from token to a
// global id persists across segments, so a token seen before costs one map
// lookup and no allocation; a stamp table maps global ids to the ids of the
// current segment. The map is bounded and starts again when it grows past
// 1<<20 tokens.
type interner struct {
	gid        map[string]uint32
	stamp, lid []uint32
	seg        uint32
	n          uint32 // ids given in the current segment
}

// reset starts a new segment. It reports whether the worker-wide table
// was replaced, which invalidates global ids kept elsewhere.
func (in *interner) reset() (replaced bool) {
	if in.gid == nil || len(in.gid) >= 1<<20 || in.seg == ^uint32(0) {
		in.gid = make(map[string]uint32, 4096)
		in.stamp, in.lid = in.stamp[:0], in.lid[:0]
		in.seg = 0
		replaced = true
	}
	in.seg++
	in.n = 0
	return replaced
}

// global returns the worker-wide id of tok, keeping a copy of the string
// (tok may point into a larger string that should not stay alive).
func (in *interner) global(tok string) uint32 {
	if g, ok := in.gid[tok]; ok {
		return g
	}
	g := uint32(len(in.gid))
	in.gid[strings.Clone(tok)] = g
	in.stamp = append(in.stamp, 0)
	in.lid = append(in.lid, 0)
	return g
}

// local maps a worker-wide id to the id of the current segment.
func (in *interner) local(g uint32) uint32 {
	if in.stamp[g] != in.seg {
		in.stamp[g] = in.seg
		in.n++
		in.lid[g] = in.n
	}
	return in.lid[g]
}

// id returns the segment id of tok.
func (in *interner) id(tok string) uint32 { return in.local(in.global(tok)) }

// idBytes returns the segment id of tok without allocating when the token
// was seen before.
func (in *interner) idBytes(tok []byte) uint32 {
	if g, ok := in.gid[string(tok)]; ok {
		return in.local(g)
	}
	return in.local(in.global(string(tok)))
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
	hk, rk    []uint64
	dc, rmax  []int
	tab, tab2 countTable
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
	cs.hk = packedKeys(cs.hk, hyp, n, b)
	if len(refs) == 1 {
		cs.rk = packedKeys(cs.rk, refs[0], n, b)
		return cs.tab.match(cs.rk, cs.hk), total
	}
	// Several references: each hypothesis n-gram is clipped to its largest
	// count in any one reference.
	cs.tab.reset(len(cs.hk))
	for _, k := range cs.hk {
		cs.tab.inc(k)
	}
	cs.rmax = slices.Grow(cs.rmax[:0], len(cs.tab.keys))[:len(cs.tab.keys)]
	clear(cs.rmax)
	for _, r := range refs {
		cs.rk = packedKeys(cs.rk, r, n, b)
		cs.tab2.reset(len(cs.rk))
		for _, k := range cs.rk {
			if cs.tab.slot(k) >= 0 {
				cs.tab2.inc(k)
			}
		}
		for _, i := range cs.tab2.live {
			if j := cs.tab.slot(cs.tab2.keys[i]); int(cs.tab2.vals[i]) > cs.rmax[j] {
				cs.rmax[j] = int(cs.tab2.vals[i])
			}
		}
	}
	for _, i := range cs.tab.live {
		match += min(int(cs.tab.vals[i]), cs.rmax[i])
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
	cs.hk = packedKeys(cs.hk, a, n, bits)
	cs.rk = packedKeys(cs.rk, b, n, bits)
	return cs.tab.match(cs.hk, cs.rk), na, nb
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

// packedKeys appends to dst[:0] the packed keys of the order-n n-grams of
// ids, in order.
func packedKeys(dst []uint64, ids []uint32, n int, b uint) []uint64 {
	dst = dst[:0]
	for i := 0; i+n <= len(ids); i++ {
		var k uint64
		for j := 0; j < n; j++ {
			k = k<<b | uint64(ids[i+j])
		}
		dst = append(dst, k)
	}
	return dst
}

// countTable is a small open-addressing hash table from n-gram keys to
// counts, cleared in time proportional to what it holds.
type countTable struct {
	keys []uint64
	vals []int32
	used []bool
	live []int // occupied slots, in insertion order
	mask uint64
}

func (t *countTable) reset(n int) {
	for _, i := range t.live {
		t.used[i] = false
		t.vals[i] = 0
	}
	t.live = t.live[:0]
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.keys) < size {
		t.keys = make([]uint64, size)
		t.vals = make([]int32, size)
		t.used = make([]bool, size)
	}
	t.keys, t.vals, t.used = t.keys[:size], t.vals[:size], t.used[:size]
	t.mask = uint64(size - 1)
}

func (t *countTable) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15 >> 32) & t.mask }

// inc adds one to the count of k.
func (t *countTable) inc(k uint64) {
	for i := t.home(k); ; i = (i + 1) & t.mask {
		if !t.used[i] {
			t.used[i], t.keys[i], t.vals[i] = true, k, 1
			t.live = append(t.live, int(i))
			return
		}
		if t.keys[i] == k {
			t.vals[i]++
			return
		}
	}
}

// slot returns the slot of k, or -1.
func (t *countTable) slot(k uint64) int {
	for i := t.home(k); ; i = (i + 1) & t.mask {
		if !t.used[i] {
			return -1
		}
		if t.keys[i] == k {
			return int(i)
		}
	}
}

// match returns the sum over keys of min(count in a, count in b).
func (t *countTable) match(a, b []uint64) int {
	t.reset(len(a))
	for _, k := range a {
		t.inc(k)
	}
	m := 0
	for _, k := range b {
		if i := t.slot(k); i >= 0 && t.vals[i] > 0 {
			t.vals[i]--
			m++
		}
	}
	return m
}
