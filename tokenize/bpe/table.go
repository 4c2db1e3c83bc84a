package bpe

import (
	"hash/maphash"
	"math/bits"
)

// strTable maps byte strings to ids with open addressing. Keys live in one
// arena ordered by id, so a lookup allocates nothing.
type strTable struct {
	short shortTable // keys of up to 8 bytes, looked up without hashing
	seed  maphash.Seed
	slots []uint64 // hash tag<<32 | id+1; 0 marks an empty slot
	mask  uint64
	arena string   // token bytes of all ids, in id order
	off   []uint32 // id → start in arena; off[id+1] is its end
}

// newStrTable builds a table over keys[id]; ids with ok[id] false are left
// out (their bytes still occupy the arena, so keyOf works for every id).
func newStrTable(keys []string, ok []bool) *strTable {
	t := &strTable{seed: maphash.MakeSeed()}
	n := 0
	size := 0
	for id, k := range keys {
		size += len(k)
		if ok[id] {
			n++
		}
	}
	buf := make([]byte, 0, size)
	t.off = make([]uint32, len(keys)+1)
	for id, k := range keys {
		t.off[id] = uint32(len(buf))
		buf = append(buf, k...)
	}
	t.off[len(keys)] = uint32(len(buf))
	t.arena = string(buf)
	capacity := 1 << bits.Len(uint(2*n+16))
	t.slots = make([]uint64, capacity)
	t.mask = uint64(capacity - 1)
	nShort := 0
	for id, k := range keys {
		if ok[id] {
			t.insert(k, int32(id))
			if len(k) <= 8 {
				nShort++
			}
		}
	}
	t.short = newShortTable(nShort)
	for id, k := range keys {
		if ok[id] && len(k) <= 8 {
			t.short.insert(k, int32(id))
		}
	}
	return t
}

// insert adds k → id; a key present already keeps its first id, as a map
// built in id order would.
func (t *strTable) insert(k string, id int32) {
	h := maphash.String(t.seed, k)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.slots[i]
		if e == 0 {
			t.slots[i] = (h>>32)<<32 | uint64(id+1)
			return
		}
		if t.keyOf(int32(uint32(e)-1)) == k {
			return
		}
	}
}

// keyOf returns the bytes of id.
func (t *strTable) keyOf(id int32) string {
	return t.arena[t.off[id]:t.off[id+1]]
}

// hash returns the table's hash of s, for lookupHash.
func (t *strTable) hash(s string) uint64 { return maphash.String(t.seed, s) }

// lookup returns the id of s, or -1.
func (t *strTable) lookup(s string) int32 {
	if len(s) <= 8 {
		return t.short.lookup(s)
	}
	return t.lookupHash(s, t.hash(s))
}

func (t *strTable) lookupHash(s string, h uint64) int32 {
	tag := h >> 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.slots[i]
		if e == 0 {
			return -1
		}
		if e>>32 == tag {
			id := int32(uint32(e) - 1)
			if t.arena[t.off[id]:t.off[id+1]] == s {
				return id
			}
		}
	}
}

// pairTable maps a pair of ids to the rank of their merge and the id of the
// merged token, with open addressing on a 64-bit key.
type pairTable struct {
	keys  []uint64 // a<<32 | b; emptyKey marks an empty slot
	vals  []uint64 // rank<<32 | merged id
	shift uint
	n     int
}

const emptyKey = ^uint64(0)

func newPairTable(n int) *pairTable {
	b := bits.Len(uint(2*n + 16))
	capacity := 1 << b
	t := &pairTable{keys: make([]uint64, capacity), vals: make([]uint64, capacity), shift: uint(64 - b)}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func (t *pairTable) slot(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

// add sets the merge of (a, b); a pair added twice keeps the later rank, as
// Hugging Face tokenizers' merge map does. It reports whether the pair was
// new.
func (t *pairTable) add(a, b int32, rank uint32, merged int32) bool {
	k := pairKey(a, b)
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case emptyKey:
			t.keys[i] = k
			t.vals[i] = uint64(rank)<<32 | uint64(uint32(merged))
			t.n++
			return true
		case k:
			t.vals[i] = uint64(rank)<<32 | uint64(uint32(merged))
			return false
		}
	}
}

// get returns rank<<32 | merged id for the pair, or noMerge.
func (t *pairTable) get(a, b int32) uint64 {
	k := pairKey(a, b)
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i]
		case emptyKey:
			return noMerge
		}
	}
}

const noMerge = ^uint64(0)

// shortTable maps keys of 1 to 8 bytes, packed into a uint64, to ids: one
// probe of a small array, no hashing of bytes and no key comparison in the
// arena.
type shortTable struct {
	keys  []uint64
	vals  []uint32 // id<<4 | key length; 0 marks an empty slot
	shift uint
}

func newShortTable(n int) shortTable {
	b := bits.Len(uint(2*n + 16))
	return shortTable{keys: make([]uint64, 1<<b), vals: make([]uint32, 1<<b), shift: uint(64 - b)}
}

func pack8(s string) uint64 {
	var k uint64
	for i := 0; i < len(s); i++ {
		k |= uint64(s[i]) << (8 * i)
	}
	return k
}

func (t *shortTable) slot(k uint64, n int) uint64 {
	return ((k ^ uint64(n)<<61) * 0x9e3779b97f4a7c15) >> t.shift
}

func (t *shortTable) insert(s string, id int32) {
	if len(s) == 0 {
		return
	}
	k := pack8(s)
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k, len(s)); ; i = (i + 1) & mask {
		v := t.vals[i]
		if v == 0 {
			t.keys[i], t.vals[i] = k, uint32(id)<<4|uint32(len(s))
			return
		}
		if t.keys[i] == k && int(v&15) == len(s) {
			return // keep the first id
		}
	}
}

func (t *shortTable) lookup(s string) int32 {
	if len(s) == 0 {
		return -1
	}
	k := pack8(s)
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(k, len(s)); ; i = (i + 1) & mask {
		v := t.vals[i]
		if v == 0 {
			return -1
		}
		if t.keys[i] == k && int(v&15) == len(s) {
			return int32(v >> 4)
		}
	}
}
