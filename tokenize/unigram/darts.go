package unigram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// doubleArray is a byte-labelled trie stored as a double array in the
// layout of the darts-clone library, which SentencePiece uses for its
// vocabulary and for the precompiled normalization rules. Each 32-bit unit
// holds either a label (bits 0-7 and 31), a has-leaf flag (bit 8) and an
// offset to its children (bits 10-31, scaled by 256 when bit 9 is set), or,
// for a leaf, a value in bits 0-30 with bit 31 set. The child of node p for
// byte c is at p ^ offset(p) ^ c and must carry label c; the value of a key
// is in the leaf at p ^ offset(p) (label 0).
type doubleArray struct {
	units []uint32
}

func (u unitVal) hasLeaf() bool  { return (u>>8)&1 == 1 }
func (u unitVal) value() int32   { return int32(u & (1<<31 - 1)) }
func (u unitVal) label() uint32  { return uint32(u) & (1<<31 | 0xFF) }
func (u unitVal) offset() uint32 { return (uint32(u) >> 10) << ((uint32(u) & (1 << 9)) >> 6) }

type unitVal uint32

// prefixMatch is one result of a common-prefix search: the length in bytes
// of a key that is a prefix of the input, and the key's value.
type prefixMatch struct {
	length int
	value  int32
}

// commonPrefixSearch appends to out every key that is a prefix of s, shortest
// first. A corrupt array never makes it read out of bounds: a transition
// that leaves the array ends the search.
func (d *doubleArray) commonPrefixSearch(s string, out []prefixMatch) []prefixMatch {
	units := d.units
	if len(units) == 0 {
		return out
	}
	pos := unitVal(units[0]).offset()
	n := uint32(len(units))
	for i := 0; i < len(s); i++ {
		c := uint32(s[i])
		pos ^= c
		if pos >= n {
			return out
		}
		u := unitVal(units[pos])
		if u.label() != c {
			return out
		}
		pos ^= u.offset()
		if u.hasLeaf() {
			if pos >= n {
				return out
			}
			out = append(out, prefixMatch{i + 1, unitVal(units[pos]).value()})
		}
	}
	return out
}

// hasChild reports whether some key starts with byte c.
func (d *doubleArray) hasChild(c byte) bool {
	pos := unitVal(d.units[0]).offset() ^ uint32(c)
	return pos < uint32(len(d.units)) && unitVal(d.units[pos]).label() == uint32(c)
}

// asciiInfo reports whether the one-byte key c exists and whether some
// key continues c with an ASCII byte.
func (d *doubleArray) asciiInfo(c byte) (isKey, asciiCont bool) {
	n := uint32(len(d.units))
	pos := unitVal(d.units[0]).offset() ^ uint32(c)
	if pos >= n || unitVal(d.units[pos]).label() != uint32(c) {
		return false, false
	}
	u := unitVal(d.units[pos])
	isKey = u.hasLeaf()
	base := pos ^ u.offset()
	for b := uint32(1); b < 0x80; b++ {
		if p := base ^ b; p < n && unitVal(d.units[p]).label() == b {
			asciiCont = true
			break
		}
	}
	return isKey, asciiCont
}

// exactMatch returns the value of key s, or -1.
func (d *doubleArray) exactMatch(s string) int32 {
	units := d.units
	if len(units) == 0 {
		return -1
	}
	n := uint32(len(units))
	pos := uint32(0)
	u := unitVal(units[0])
	for i := 0; i < len(s); i++ {
		c := uint32(s[i])
		pos ^= u.offset() ^ c
		if pos >= n {
			return -1
		}
		u = unitVal(units[pos])
		if u.label() != c {
			return -1
		}
	}
	if !u.hasLeaf() {
		return -1
	}
	pos ^= u.offset()
	if pos >= n {
		return -1
	}
	return unitVal(units[pos]).value()
}

// errDoubleArrayTooLarge is returned when a trie needs more units than the
// offsets of the format can address without scaling.
var errDoubleArrayTooLarge = errors.New("double array too large")

// buildDoubleArray builds a double array for keys with their values. Keys
// must be non-empty, free of NUL bytes and distinct; values must be in
// [0, 2^31).
func buildDoubleArray(keys []string, values []int32) (*doubleArray, error) {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
		if keys[i] == "" {
			return nil, errors.New("double array: empty key")
		}
		for j := 0; j < len(keys[i]); j++ {
			if keys[i][j] == 0 {
				return nil, fmt.Errorf("double array: key %q contains NUL", keys[i])
			}
		}
		if values[i] < 0 {
			return nil, fmt.Errorf("double array: negative value for %q", keys[i])
		}
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	for i := 1; i < len(idx); i++ {
		if keys[idx[i]] == keys[idx[i-1]] {
			return nil, fmt.Errorf("double array: duplicate key %q", keys[idx[i]])
		}
	}
	sorted := make([]string, len(idx))
	vals := make([]int32, len(idx))
	for i, j := range idx {
		sorted[i], vals[i] = keys[j], values[j]
	}
	// Build a trie, merge identical subtrees (as darts-clone's DAWG does,
	// so that shared suffixes such as combining marks are stored once), then
	// place the distinct nodes.
	t := &trieBuilder{sig: map[string]int32{}}
	root := t.node(sorted, vals, 0)
	b := &daBuilder{t: t, placed: make([]int32, len(t.nodes))}
	for i := range b.placed {
		b.placed[i] = -1
	}
	b.grow(256)
	b.take(0)
	base, err := b.place(root)
	if err != nil {
		return nil, err
	}
	b.units[0] = base << 10
	return &doubleArray{units: b.units}, nil
}

// trieBuilder holds the distinct subtrees of a trie. A node's edges are
// sorted by label; label 0 is the leaf edge, whose value is in child.
type trieBuilder struct {
	nodes [][]trieEdge
	sig   map[string]int32
}

type trieEdge struct {
	label uint32
	child int32 // a node id, or the value for the leaf edge
}

// node returns the id of the subtree of the sorted keys below depth,
// reusing an identical subtree.
func (t *trieBuilder) node(keys []string, vals []int32, depth int) int32 {
	var edges []trieEdge
	for i := 0; i < len(keys); {
		if len(keys[i]) == depth {
			edges = append(edges, trieEdge{0, vals[i]})
			i++
			continue
		}
		label := keys[i][depth]
		j := i + 1
		for j < len(keys) && len(keys[j]) > depth && keys[j][depth] == label {
			j++
		}
		edges = append(edges, trieEdge{uint32(label), t.node(keys[i:j], vals[i:j], depth+1)})
		i = j
	}
	key := make([]byte, 0, 8*len(edges))
	for _, e := range edges {
		key = binary.LittleEndian.AppendUint32(key, e.label)
		key = binary.LittleEndian.AppendUint32(key, uint32(e.child))
	}
	if id, ok := t.sig[string(key)]; ok {
		return id
	}
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, edges)
	t.sig[string(key)] = id
	return id
}

type daBuilder struct {
	t        *trieBuilder
	placed   []int32 // base of each placed node, or -1
	units    []uint32
	used     []bool
	usedBase []bool
	// Free positions form a doubly linked list in position order, so the
	// search for a base visits free positions only.
	nextFree, prevFree []int32
	firstFree          int32 // -1 when none
	lastFree           int32 // -1 when none
}

const daMaxUnits = 1 << 21

// grow extends the array to at least n units (in blocks of 256), adding
// the new positions to the free list.
func (b *daBuilder) grow(n uint32) {
	old := uint32(len(b.units))
	if n <= old {
		return
	}
	n = (n + 255) &^ 255
	b.units = append(b.units, make([]uint32, n-old)...)
	b.used = append(b.used, make([]bool, n-old)...)
	b.usedBase = append(b.usedBase, make([]bool, n-old)...)
	b.nextFree = append(b.nextFree, make([]int32, n-old)...)
	b.prevFree = append(b.prevFree, make([]int32, n-old)...)
	if old == 0 {
		b.firstFree, b.lastFree = -1, -1
	}
	last := b.lastFree
	for p := old; p < n; p++ {
		b.prevFree[p] = last
		b.nextFree[p] = -1
		if last >= 0 {
			b.nextFree[last] = int32(p)
		} else {
			b.firstFree = int32(p)
		}
		last = int32(p)
	}
	b.lastFree = last
}

// take marks position p used and unlinks it from the free list.
func (b *daBuilder) take(p uint32) {
	if b.used[p] {
		return
	}
	b.used[p] = true
	prev, next := b.prevFree[p], b.nextFree[p]
	if prev >= 0 {
		b.nextFree[prev] = next
	} else {
		b.firstFree = next
	}
	if next >= 0 {
		b.prevFree[next] = prev
	} else {
		b.lastFree = prev
	}
}

// place puts the children of node n into the array (once per distinct
// node) and returns their base: the child with label c is at base ^ c.
func (b *daBuilder) place(n int32) (uint32, error) {
	if b.placed[n] >= 0 {
		return uint32(b.placed[n]), nil
	}
	edges := b.t.nodes[n]
	base, err := b.findBase(edges[0].label, func(base uint32) bool {
		for _, e := range edges {
			p := base ^ e.label
			if p < uint32(len(b.used)) && b.used[p] {
				return false
			}
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	b.grow((base | 0xFF) + 1)
	b.usedBase[base] = true
	for _, e := range edges {
		b.take(base ^ e.label)
	}
	b.placed[n] = int32(base)
	for _, e := range edges {
		p := base ^ e.label
		if e.label == 0 {
			b.units[p] = uint32(e.child) | 1<<31
			continue
		}
		childBase, err := b.place(e.child)
		if err != nil {
			return 0, err
		}
		u := e.label | (p^childBase)<<10
		if b.t.nodes[e.child][0].label == 0 {
			u |= 1 << 8
		}
		b.units[p] = u
	}
	return base, nil
}

// findBase returns the first unused base whose child positions are free,
// growing the array when no free position fits.
func (b *daBuilder) findBase(first uint32, ok func(uint32) bool) (uint32, error) {
	for {
		for p := b.firstFree; p >= 0; p = b.nextFree[p] {
			base := uint32(p) ^ first
			if base == 0 || (base < uint32(len(b.usedBase)) && b.usedBase[base]) {
				continue
			}
			if ok(base) {
				if base|0xFF >= daMaxUnits {
					return 0, errDoubleArrayTooLarge
				}
				return base, nil
			}
		}
		if uint32(len(b.units))+256 > daMaxUnits {
			return 0, errDoubleArrayTooLarge
		}
		b.grow(uint32(len(b.units)) + 256)
	}
}
