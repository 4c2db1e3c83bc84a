package bpe

import (
	"strings"
	"sync/atomic"
)

// cache remembers the ids of recently encoded words. It is a direct-mapped
// table of immutable entries behind atomic pointers: readers never lock,
// a writer replaces a slot whole, and a lost update only costs a recompute.
type cache struct {
	slots [cacheSlots]atomic.Pointer[cacheEntry]
}

const (
	cacheSlots = 1 << 15
	maxCached  = 256 // longer words are not cached
)

type cacheEntry struct {
	word string
	ids  []int32
}

func newCache() *cache { return new(cache) }

func (c *cache) get(word string, h uint64) ([]int32, bool) {
	e := c.slots[h&(cacheSlots-1)].Load()
	if e != nil && e.word == word {
		return e.ids, true
	}
	return nil, false
}

func (c *cache) put(word string, h uint64, ids []int32) {
	e := &cacheEntry{word: strings.Clone(word), ids: append([]int32(nil), ids...)}
	c.slots[h&(cacheSlots-1)].Store(e)
}
