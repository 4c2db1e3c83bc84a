// Package bpe implements byte-pair encoding (BPE): the model of GPT-2 and
// its successors (byte-level BPE over tiktoken rank files or GPT-2's
// vocab.json and merges.txt) and the general BPE model of Hugging Face
// tokenizers (character-level, with continuing-subword prefixes,
// end-of-word suffixes, unknown tokens and byte fallback), plus training.
//
// A Model encodes one pre-tokenized word at a time; splitting text into
// words is the job of a pre-tokenizer (see package pattern) and the
// tokenize package chains the two. To start:
//
//	m, err := bpe.ReadTiktoken(f)          // a .tiktoken rank file
//	ids := m.AppendIDs(nil, " hello")       // one piece of text
//
// A Model is safe for concurrent use. Encoding a word allocates nothing
// beyond the slice it appends to once its cache is warm.
package bpe

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Merge is one merge rule: the adjacent symbols A and B become A+B.
type Merge struct{ A, B string }

// Token is one token of an encoded word: its id and the byte range
// [Start, End) it covers in the word.
type Token struct {
	ID         int
	Start, End int
}

// Options configures a Model built by New. The zero value gives a
// character-level model with no unknown token.
type Options struct {
	// ByteLevel makes the model read raw bytes: vocabulary entries are
	// written in GPT-2's byte-level alphabet ("Ġthe") and every byte of a
	// word is one initial symbol.
	ByteLevel bool
	// ContinuingSubwordPrefix is prepended to every symbol that does not
	// start a word (WordPiece-style "##"); empty for none.
	ContinuingSubwordPrefix string
	// EndOfWordSuffix is appended to the last symbol of a word ("</w>");
	// empty for none.
	EndOfWordSuffix string
	// UnkToken stands for symbols missing from the vocabulary; when empty
	// such symbols are dropped, as Hugging Face tokenizers does.
	UnkToken string
	// FuseUnk merges consecutive unknown symbols into one UnkToken.
	FuseUnk bool
	// ByteFallback writes an unknown symbol as its bytes "<0xAB>" when
	// the vocabulary has them.
	ByteFallback bool
	// IgnoreMerges looks a whole word up in the vocabulary before
	// merging (Hugging Face's ignore_merges).
	IgnoreMerges bool
}

// Model is a BPE model. Build one with New, NewRanked, ReadTiktoken,
// ReadVocabMerges or Train.
type Model struct {
	opts       Options
	tokens     []string // id → token as the vocabulary writes it; "" if unused
	present    []bool
	byName     map[string]int32 // vocabulary form → id
	raw        *strTable        // matching form → id (raw bytes for byte-level models)
	pairs      *pairTable
	merges     [][2]int32 // by rank; for ranked models derived on first use
	ranked     bool       // ranks define the merges (tiktoken)
	mergesOnce sync.Once
	unk        int32
	// unitIDs[k][b] is the id of byte b as a symbol: k bit 0 set when the
	// prefix applies (not first), bit 1 when the suffix applies (last).
	unitIDs  [4][256]int32
	fallback [256]int32 // "<0xAB>" ids, -1 if missing
	hasFB    bool       // every fallback id is present
	// fastBytes: byte-level and every byte has a symbol in every
	// position, so symbols need no lookups.
	fastBytes bool
	cache     *cache
}

// Errors returned by the constructors and readers.
var (
	// ErrUnknownToken: a merge or option names a token missing from the
	// vocabulary.
	ErrUnknownToken = errors.New("bpe: token not in vocabulary")
	// ErrFormat: a vocabulary, merges or rank file is malformed.
	ErrFormat = errors.New("bpe: malformed file")
)

// New builds a model from a vocabulary (token → id) and merges in rank
// order, with Hugging Face tokenizers' semantics: a pair merges only if it is
// a listed merge, the lowest-ranked pair first, leftmost among equals.
func New(vocab map[string]int, merges []Merge, opts Options) (*Model, error) {
	maxID := -1
	for tok, id := range vocab {
		if id < 0 || id > 1<<30 {
			return nil, fmt.Errorf("%w: id %d of token %q out of range", ErrFormat, id, tok)
		}
		maxID = max(maxID, id)
	}
	m := &Model{opts: opts, unk: -1}
	m.tokens = make([]string, maxID+1)
	m.present = make([]bool, maxID+1)
	m.byName = make(map[string]int32, len(vocab))
	for tok, id := range vocab {
		if m.present[id] {
			a, b := min(tok, m.tokens[id]), max(tok, m.tokens[id])
			return nil, fmt.Errorf("%w: tokens %q and %q share id %d", ErrFormat, a, b, id)
		}
		m.tokens[id] = tok
		m.present[id] = true
		m.byName[tok] = int32(id)
	}
	if err := m.buildRaw(); err != nil {
		return nil, err
	}
	if opts.UnkToken != "" {
		id, ok := m.byName[opts.UnkToken]
		if !ok {
			return nil, fmt.Errorf("%w: unknown token %q", ErrUnknownToken, opts.UnkToken)
		}
		m.unk = id
	}
	m.pairs = newPairTable(len(merges))
	for rank, mg := range merges {
		a, okA := m.byName[mg.A]
		b, okB := m.byName[mg.B]
		if !okA || !okB {
			return nil, fmt.Errorf("%w: merge %d %q %q", ErrUnknownToken, rank, mg.A, mg.B)
		}
		bb := mg.B
		if p := opts.ContinuingSubwordPrefix; p != "" && len(bb) >= len(p) && bb[:len(p)] == p {
			bb = bb[len(p):]
		}
		c, ok := m.byName[mg.A+bb]
		if !ok {
			return nil, fmt.Errorf("%w: merge %d %q %q makes %q", ErrUnknownToken, rank, mg.A, mg.B, mg.A+bb)
		}
		m.pairs.add(a, b, uint32(rank), c)
	}
	// Keep each pair once, at its last rank, as the merge map does.
	for rank, mg := range merges {
		a, b := m.byName[mg.A], m.byName[mg.B]
		if uint32(m.pairs.get(a, b)>>32) == uint32(rank) {
			m.merges = append(m.merges, [2]int32{a, b})
		}
	}
	m.finish()
	return m, nil
}

// NewRanked builds a byte-level model from tokens given as raw bytes in rank
// order (id = rank), with tiktoken's semantics: a word that is a token is
// that token; otherwise adjacent parts merge when their concatenation is a
// token, the lowest rank first, leftmost among equals. An empty string marks
// an unused rank. Every single byte must be a token.
func NewRanked(tokens []string) (*Model, error) {
	m := &Model{opts: Options{ByteLevel: true, IgnoreMerges: true}, unk: -1, ranked: true}
	m.tokens = make([]string, len(tokens))
	m.present = make([]bool, len(tokens))
	m.byName = make(map[string]int32, len(tokens))
	ok := make([]bool, len(tokens))
	for id, t := range tokens {
		if t == "" {
			continue
		}
		name := ByteLevelEncode(t)
		if _, dup := m.byName[name]; dup {
			return nil, fmt.Errorf("%w: token %q repeated at rank %d", ErrFormat, t, id)
		}
		m.tokens[id] = name
		m.present[id] = true
		m.byName[name] = int32(id)
		ok[id] = true
	}
	m.raw = newStrTable(tokens, ok)
	for b := 0; b < 256; b++ {
		if m.raw.lookup(string([]byte{byte(b)})) < 0 {
			return nil, fmt.Errorf("%w: byte 0x%02x has no token", ErrFormat, b)
		}
	}
	// Every split of every token into two tokens is a merge of the
	// token's rank.
	n := 0
	for _, t := range tokens {
		n += len(t) - 1
	}
	m.pairs = newPairTable(n / 2)
	for id, t := range tokens {
		for i := 1; i < len(t); i++ {
			a := m.raw.lookup(t[:i])
			if a < 0 {
				continue
			}
			b := m.raw.lookup(t[i:])
			if b < 0 {
				continue
			}
			m.pairs.add(a, b, uint32(id), int32(id))
		}
	}
	m.finish()
	return m, nil
}

// buildRaw fills m.raw with the matching form of every token: raw bytes for
// byte-level models (tokens outside the alphabet cannot match), the token
// itself otherwise.
func (m *Model) buildRaw() error {
	keys := make([]string, len(m.tokens))
	ok := make([]bool, len(m.tokens))
	for id, t := range m.tokens {
		if !m.present[id] {
			continue
		}
		if m.opts.ByteLevel {
			if r, good := ByteLevelDecode(t); good {
				keys[id], ok[id] = r, true
			}
			continue
		}
		keys[id], ok[id] = t, true
	}
	m.raw = newStrTable(keys, ok)
	return nil
}

// finish fills the per-byte tables and the cache.
func (m *Model) finish() {
	for k := 0; k < 4; k++ {
		for b := 0; b < 256; b++ {
			m.unitIDs[k][b] = -1
			var s string
			if m.opts.ByteLevel {
				s = string(byteToRune[b])
			} else if b < utf8.RuneSelf {
				s = string(rune(b))
			} else {
				continue
			}
			if k&1 != 0 {
				s = m.opts.ContinuingSubwordPrefix + s
			}
			if k&2 != 0 {
				s += m.opts.EndOfWordSuffix
			}
			if id, ok := m.byName[s]; ok {
				m.unitIDs[k][b] = id
			}
		}
	}
	m.hasFB = true
	for b := 0; b < 256; b++ {
		m.fallback[b] = -1
		if id, ok := m.byName[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.fallback[b] = id
		} else {
			m.hasFB = false
		}
	}
	m.fastBytes = m.opts.ByteLevel
	for k := 0; k < 4; k++ {
		for b := 0; b < 256; b++ {
			if m.unitIDs[k][b] < 0 {
				m.fastBytes = false
			}
		}
	}
	if m.opts.ByteLevel && m.opts.ContinuingSubwordPrefix == "" && m.opts.EndOfWordSuffix == "" {
		m.cache = newCache()
	}
}

// VocabSize returns one more than the largest id.
func (m *Model) VocabSize() int { return len(m.tokens) }

// Len returns the number of tokens in the vocabulary.
func (m *Model) Len() int { return len(m.byName) }

// Options returns the model's options.
func (m *Model) Options() Options { return m.opts }

// Ranked reports whether the model has tiktoken semantics (NewRanked).
func (m *Model) Ranked() bool { return m.ranked }

// TokenToID returns the id of a token as the vocabulary writes it.
func (m *Model) TokenToID(tok string) (int, bool) {
	id, ok := m.byName[tok]
	return int(id), ok
}

// IDToToken returns the token of id as the vocabulary writes it.
func (m *Model) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(m.tokens) || !m.present[id] {
		return "", false
	}
	return m.tokens[id], true
}

// TokenBytes returns the raw bytes id stands for: the byte-level decoding of
// its token for byte-level models, the token itself otherwise.
func (m *Model) TokenBytes(id int) (string, bool) {
	if id < 0 || id >= len(m.tokens) || !m.present[id] {
		return "", false
	}
	if m.opts.ByteLevel {
		return ByteLevelDecode(m.tokens[id])
	}
	return m.tokens[id], true
}

// Vocab returns a copy of the vocabulary, token → id.
func (m *Model) Vocab() map[string]int {
	v := make(map[string]int, len(m.byName))
	for t, id := range m.byName {
		v[t] = int(id)
	}
	return v
}

// Merges returns the merge rules in rank order. For a ranked (tiktoken)
// model each token of two or more bytes gets the merge that builds it when
// only lower ranks may merge, as Hugging Face's tiktoken converter does.
func (m *Model) Merges() []Merge {
	if m.ranked {
		m.mergesOnce.Do(func() { m.merges = m.rankedMerges() })
	}
	out := make([]Merge, len(m.merges))
	for i, p := range m.merges {
		out[i] = Merge{m.tokens[p[0]], m.tokens[p[1]]}
	}
	return out
}

func (m *Model) rankedMerges() [][2]int32 {
	var out [][2]int32
	for id := range m.tokens {
		t := m.raw.keyOf(int32(id))
		if len(t) < 2 {
			continue
		}
		// Merge t's bytes with ranks below id until two parts remain.
		ids := make([]int32, len(t))
		for i := 0; i < len(t); i++ {
			ids[i] = m.raw.lookup(t[i : i+1])
		}
		for len(ids) > 2 {
			best, bi := uint64(id)<<32, -1
			for i := 0; i+1 < len(ids); i++ {
				if v := m.pairs.get(ids[i], ids[i+1]); v < best {
					best, bi = v, i
				}
			}
			if bi < 0 {
				break
			}
			ids[bi] = int32(uint32(best))
			ids = append(ids[:bi+1], ids[bi+2:]...)
		}
		if len(ids) == 2 {
			out = append(out, [2]int32{ids[0], ids[1]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return m.pairs.get(out[i][0], out[i][1]) < m.pairs.get(out[j][0], out[j][1])
	})
	return out
}

// AppendIDs appends the ids of word to dst and returns it. For a byte-level
// model word is raw bytes (any bytes); otherwise it is split into UTF-8
// characters, an invalid byte counting as one character.
func (m *Model) AppendIDs(dst []int, word string) []int {
	if len(word) == 0 {
		return dst
	}
	if m.opts.IgnoreMerges {
		if id := m.raw.lookup(word); id >= 0 {
			return append(dst, int(id))
		}
	}
	var h uint64
	if m.cache != nil && len(word) <= maxCached {
		h = m.raw.hash(word)
		if ids, ok := m.cache.get(word, h); ok {
			for _, id := range ids {
				dst = append(dst, int(id))
			}
			return dst
		}
	}
	var idb [smallWord]int32
	var spb [smallWord]uint64
	ids, _ := m.encode(word, idb[:], spb[:], false)
	dst = slices.Grow(dst, len(ids))
	for _, id := range ids {
		dst = append(dst, int(id))
	}
	if m.cache != nil && len(word) <= maxCached {
		m.cache.put(word, h, ids)
	}
	return dst
}

// AppendTokens appends the tokens of word, with byte offsets into word, to
// dst and returns it.
func (m *Model) AppendTokens(dst []Token, word string) []Token {
	if len(word) == 0 {
		return dst
	}
	if m.opts.IgnoreMerges {
		if id := m.raw.lookup(word); id >= 0 {
			return append(dst, Token{ID: int(id), Start: 0, End: len(word)})
		}
	}
	var h uint64
	if m.cache != nil && len(word) <= maxCached {
		// Cached models are byte-level without prefix or suffix, so a
		// token covers exactly its raw bytes.
		h = m.raw.hash(word)
		if ids, ok := m.cache.get(word, h); ok {
			off := 0
			for _, id := range ids {
				n := int(m.raw.off[id+1] - m.raw.off[id])
				dst = append(dst, Token{ID: int(id), Start: off, End: off + n})
				off += n
			}
			return dst
		}
	}
	var idb [smallWord]int32
	var spb [smallWord]uint64
	ids, spans := m.encode(word, idb[:], spb[:], true)
	dst = slices.Grow(dst, len(ids))
	for i, id := range ids {
		dst = append(dst, Token{ID: int(id), Start: int(spans[i] >> 32), End: int(uint32(spans[i]))})
	}
	if m.cache != nil && len(word) <= maxCached {
		m.cache.put(word, h, ids)
	}
	return dst
}

const smallWord = 64

// encode splits word into its initial symbols and merges them. Each symbol
// carries its byte span in the word, start<<32 | end; without wantSpans
// the spans may be left out (nil). idb and spb are scratch of length
// smallWord; the result may alias them.
func (m *Model) encode(word string, idb []int32, spb []uint64, wantSpans bool) (ids []int32, spans []uint64) {
	if m.fastBytes {
		if len(word) > smallWord {
			// One byte per symbol: the spans follow from the
			// positions, so none are kept while merging.
			ids = make([]int32, len(word))
			m.byteSymbols(word, ids)
			k, starts := m.mergeLong(ids, nil)
			ids = ids[:k]
			if wantSpans {
				spans = make([]uint64, k)
				for i, s := range starts {
					e := len(word)
					if i+1 < k {
						e = int(starts[i+1])
					}
					spans[i] = span(int(s), e)
				}
			}
			return ids, spans
		}
		ids, spans = idb[:len(word)], spb[:len(word)]
		m.byteSymbols(word, ids)
		for i := range spans {
			spans[i] = span(i, i+1)
		}
	} else {
		ids, spans = m.symbolsLong(word, idb[:0], spb[:0])
	}
	if len(ids) <= smallWord {
		n := m.mergeSmall(ids, spans)
		return ids[:n], spans[:n]
	}
	k, _ := m.mergeLong(ids, spans)
	return ids[:k], spans[:k]
}

// byteSymbols writes the initial symbol of each byte of word to ids.
func (m *Model) byteSymbols(word string, ids []int32) {
	last := len(word) - 1
	for i := 0; i < len(word); i++ {
		k := 0
		if i > 0 {
			k = 1
		}
		if i == last {
			k |= 2
		}
		ids[i] = m.unitIDs[k][word[i]]
	}
}

func span(s, e int) uint64 { return uint64(s)<<32 | uint64(uint32(e)) }

// join returns the span from the start of a to the end of b.
func join(a, b uint64) uint64 { return a&^0xffffffff | b&0xffffffff }

// symbolsLong appends the initial symbols of word and their spans, with
// unknown-symbol handling as in Hugging Face tokenizers: byte fallback if
// enabled, else the unknown token (fused if FuseUnk), else nothing. A
// dropped symbol leaves a gap between the spans of its neighbours.
func (m *Model) symbolsLong(word string, ids []int32, spans []uint64) ([]int32, []uint64) {
	unkStart, unkEnd := 0, 0
	haveUnk := false
	flushUnk := func() {
		if haveUnk {
			ids = append(ids, m.unk)
			spans = append(spans, span(unkStart, unkEnd))
			haveUnk = false
		}
	}
	var key []byte
	for i := 0; i < len(word); {
		w := 1
		if !m.opts.ByteLevel {
			_, w = utf8.DecodeRuneInString(word[i:])
		}
		first, last := i == 0, i+w == len(word)
		var id int32 = -1
		if m.opts.ByteLevel || w == 1 && word[i] < utf8.RuneSelf {
			k := 0
			if !first {
				k |= 1
			}
			if last {
				k |= 2
			}
			id = m.unitIDs[k][word[i]]
			if !m.opts.ByteLevel && word[i] >= utf8.RuneSelf {
				id = -1
			}
		}
		// Build the symbol's string when the tables could not answer.
		key = key[:0]
		if !first {
			key = append(key, m.opts.ContinuingSubwordPrefix...)
		}
		if m.opts.ByteLevel {
			key = utf8.AppendRune(key, byteToRune[word[i]])
		} else {
			key = append(key, word[i:i+w]...)
		}
		if last {
			key = append(key, m.opts.EndOfWordSuffix...)
		}
		if id < 0 && !m.opts.ByteLevel {
			if v, ok := m.byName[unsafe.String(unsafe.SliceData(key), len(key))]; ok {
				id = v
			}
		}
		if id >= 0 {
			flushUnk()
			ids = append(ids, id)
			spans = append(spans, span(i, i+w))
			i += w
			continue
		}
		if m.opts.ByteFallback && m.hasFB {
			flushUnk()
			// Each byte of the character (as written with prefix and
			// suffix, as Hugging Face does) becomes one token; they
			// share the character's span.
			for _, c := range key {
				ids = append(ids, m.fallback[c])
				spans = append(spans, span(i, i+w))
			}
			i += w
			continue
		}
		if m.unk >= 0 {
			if haveUnk && m.opts.FuseUnk {
				unkEnd = i + w
			} else {
				flushUnk()
				haveUnk, unkStart, unkEnd = true, i, i+w
			}
		}
		i += w
	}
	flushUnk()
	return ids, spans
}

// mergeSmall applies the merges to a short word in place, returning the new
// number of symbols. It scans for the lowest-ranked pair each round, which
// beats a heap for short words.
func (m *Model) mergeSmall(ids []int32, spans []uint64) int {
	n := len(ids)
	if n < 2 {
		return n
	}
	var vals [smallWord]uint64
	for i := 0; i < n-1; i++ {
		vals[i] = m.pairs.get(ids[i], ids[i+1])
	}
	for n > 1 {
		best, bi := uint64(noMerge), -1
		for i := 0; i < n-1; i++ {
			if vals[i] < best {
				best, bi = vals[i], i
			}
		}
		if bi < 0 {
			break
		}
		ids[bi] = int32(uint32(best))
		spans[bi] = join(spans[bi], spans[bi+1])
		copy(ids[bi+1:n-1], ids[bi+2:n])
		copy(spans[bi+1:n-1], spans[bi+2:n])
		copy(vals[bi+1:n-1], vals[bi+2:n])
		n--
		if bi < n-1 {
			vals[bi] = m.pairs.get(ids[bi], ids[bi+1])
		}
		if bi > 0 {
			vals[bi-1] = m.pairs.get(ids[bi-1], ids[bi])
		}
	}
	return n
}

// mergeLong applies the merges to a word of any length: the pair of lowest
// rank first, the leftmost among equals, as mergeSmall does. The symbols
// form a linked list; candidate pairs wait in a queue of buckets, one per
// rank, each a list of positions in increasing order (pairs appear mostly
// left to right) with a small heap for those that arrive out of order, so
// a long word costs about n log(ranks) time and 4 bytes per symbol and
// pending pair. Entries are checked when taken: a pair that no longer
// exists or changed is skipped. It leaves the merged ids in ids[:k] and
// returns k; with spans, spans[:k] holds their spans, and without,
// starts[:k] holds the index of each one's first initial symbol (its byte
// offset when every symbol is one byte).
func (m *Model) mergeLong(ids []int32, spans []uint64) (k int, starts []int32) {
	n := len(ids)
	next := make([]int32, n)
	prev := make([]int32, n)
	for i := range n {
		next[i] = int32(i + 1)
		prev[i] = int32(i - 1)
	}
	next[n-1] = -1
	var q rankQueue
	push := func(l int32) {
		if r := next[l]; r >= 0 {
			if v := m.pairs.get(ids[l], ids[r]); v != noMerge {
				q.push(uint32(v>>32), l)
			}
		}
	}
	for i := 0; i+1 < n; i++ {
		push(int32(i))
	}
	for {
		rank, l, ok := q.pop()
		if !ok {
			break
		}
		if ids[l] < 0 {
			continue // merged into its left neighbour
		}
		r := next[l]
		if r < 0 {
			continue
		}
		v := m.pairs.get(ids[l], ids[r])
		if v == noMerge || uint32(v>>32) != rank {
			continue // the pair changed since it was queued
		}
		ids[l] = int32(uint32(v))
		ids[r] = -1
		if spans != nil {
			spans[l] = join(spans[l], spans[r])
		}
		nr := next[r]
		next[l] = nr
		if nr >= 0 {
			prev[nr] = l
		}
		// A merge never makes a pair of its own rank (the merged token
		// would be both shorter and longer than itself), so the new
		// pairs never belong before l in the bucket being emptied.
		if p := prev[l]; p >= 0 {
			push(p)
		}
		push(l)
	}
	// prev is free now: it takes the starts.
	starts = prev
	for i := int32(0); i >= 0; i = next[i] {
		ids[k] = ids[i]
		if spans != nil {
			spans[k] = spans[i]
		}
		starts[k] = i
		k++
	}
	return k, starts[:k]
}

// rankQueue holds positions by rank and yields them lowest rank first,
// lowest position first within a rank. Positions wait in blocks of
// queueBlock that are reused once read, so the queue holds no more memory
// than its waiting entries need.
type rankQueue struct {
	buckets map[uint32]*rankBucket
	// ranks is a min-heap of the ranks whose bucket may hold positions.
	ranks []uint32
	// cache holds recently used buckets by the low bits of their rank.
	cache [16]*rankBucket
	free  [][]int32 // read blocks, for reuse
}

const queueBlock = 1 << 12

type rankBucket struct {
	rank uint32
	// blocks hold waiting positions in increasing order, from
	// blocks[0][head] on.
	blocks [][]int32
	head   int
	late   []int32 // min-heap of positions that came out of order
	queued bool    // rank is in the ranks heap
}

func (q *rankQueue) bucket(rank uint32) *rankBucket {
	if b := q.cache[rank&15]; b != nil && b.rank == rank {
		return b
	}
	if q.buckets == nil {
		q.buckets = map[uint32]*rankBucket{}
	}
	b := q.buckets[rank]
	if b == nil {
		b = &rankBucket{rank: rank}
		q.buckets[rank] = b
	}
	q.cache[rank&15] = b
	return b
}

func (q *rankQueue) push(rank uint32, pos int32) {
	b := q.bucket(rank)
	nb := len(b.blocks)
	switch {
	case nb > 0 && (nb > 1 || b.head < len(b.blocks[0])) && b.blocks[nb-1][len(b.blocks[nb-1])-1] >= pos:
		b.late = heapPush(b.late, pos)
	case nb > 0 && len(b.blocks[nb-1]) < cap(b.blocks[nb-1]):
		b.blocks[nb-1] = append(b.blocks[nb-1], pos)
	default:
		var blk []int32
		if k := len(q.free); k > 0 {
			blk, q.free = q.free[k-1], q.free[:k-1]
		} else {
			blk = make([]int32, 0, queueBlock)
		}
		b.blocks = append(b.blocks, append(blk, pos))
	}
	if !b.queued {
		b.queued = true
		q.ranks = heapPush(q.ranks, rank)
	}
}

func (q *rankQueue) pop() (rank uint32, pos int32, ok bool) {
	for len(q.ranks) > 0 {
		b := q.bucket(q.ranks[0])
		hasBlock := len(b.blocks) > 0 && b.head < len(b.blocks[0])
		hasLate := len(b.late) > 0
		switch {
		case !hasBlock && !hasLate:
			b.queued = false
			q.ranks = heapPop(q.ranks)
			continue
		case hasLate && (!hasBlock || b.late[0] < b.blocks[0][b.head]):
			pos = b.late[0]
			b.late = heapPop(b.late)
		default:
			blk := b.blocks[0]
			pos = blk[b.head]
			b.head++
			if b.head == len(blk) && (len(b.blocks) > 1 || len(blk) == cap(blk)) {
				// Read to the end and full: reuse it.
				q.free = append(q.free, blk[:0])
				b.blocks[0] = nil
				b.blocks, b.head = b.blocks[1:], 0
			}
		}
		return b.rank, pos, true
	}
	return 0, 0, false
}

// heapPush adds v to the min-heap h.
func heapPush[T int32 | uint32](h []T, v T) []T {
	h = append(h, v)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

// heapPop removes the least element, h[0], from the min-heap h.
func heapPop[T int32 | uint32](h []T) []T {
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1] < h[c] {
			c++
		}
		if h[i] <= h[c] {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return h
}
