package bpe

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goformer/goformer/internal/progress"
)

// ErrBadTrainerConfig is returned (wrapped) by Train and
// TrainerConfig.Validate for settings it cannot train with.
var ErrBadTrainerConfig = errors.New("bpe: bad trainer config")

// TrainerConfig configures Train. The zero value takes Hugging Face
// tokenizers' BpeTrainer defaults (30,000 tokens, no minimum frequency, no
// special tokens, no alphabet limit).
type TrainerConfig struct {
	// VocabSize is the target number of tokens, special tokens and the
	// alphabet included (default 30000).
	VocabSize int
	// MinFrequency stops training when the most frequent pair occurs
	// fewer times.
	MinFrequency int
	// SpecialTokens get the first ids, in order.
	SpecialTokens []string
	// LimitAlphabet keeps only the most frequent characters (0: all).
	LimitAlphabet int
	// InitialAlphabet adds characters whether or not they occur (for
	// byte-level models, ByteLevelAlphabet gives all 256 bytes).
	InitialAlphabet []rune
	// ContinuingSubwordPrefix and EndOfWordSuffix mark symbols inside or
	// at the end of a word, as in the model options.
	ContinuingSubwordPrefix string
	EndOfWordSuffix         string
	// MaxTokenLength, if positive, stops pairs from forming tokens longer
	// than this many characters.
	MaxTokenLength int
	// ByteLevel trains a byte-level model: words are raw bytes, each byte
	// a symbol written in GPT-2's byte-level alphabet.
	ByteLevel bool
	// Progress, when not nil, receives a progress bar (on a terminal) or
	// lines with the rate and the time left, as the vocabulary grows.
	Progress io.Writer
}

// Validate checks the settings that do not depend on the text: no negative
// value, and a VocabSize (0: 30000) that holds the special tokens and the
// initial alphabet. Train also fails when the text needs more characters
// than VocabSize leaves room for.
func (c TrainerConfig) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"VocabSize", c.VocabSize}, {"MinFrequency", c.MinFrequency}, {"LimitAlphabet", c.LimitAlphabet}, {"MaxTokenLength", c.MaxTokenLength}} {
		if f.v < 0 {
			return fmt.Errorf("%w: %s %d is negative", ErrBadTrainerConfig, f.name, f.v)
		}
	}
	vocab := c.VocabSize
	if vocab == 0 {
		vocab = 30000
	}
	base := map[string]bool{}
	for _, s := range c.SpecialTokens {
		if s != "" {
			base[s] = true
		}
	}
	specials := len(base)
	for _, r := range c.InitialAlphabet {
		base[string(r)] = true
	}
	if len(base) > vocab {
		return fmt.Errorf("%w: VocabSize %d cannot hold the %d special tokens and the %d characters of the initial alphabet",
			ErrBadTrainerConfig, vocab, specials, len(base)-specials)
	}
	return nil
}

// Train learns a BPE model from word counts (words are what the
// pre-tokenizer produced, raw bytes for a byte-level model), with the
// algorithm and tie-breaking of Hugging Face tokenizers' BpeTrainer:
//
//   - ids: special tokens, then the alphabet sorted by code point, then
//     prefixed or suffixed characters as words need them, then merges;
//   - each step merges the pair with the highest count, the smallest pair
//     of ids among equal counts, in the words of its queue entry.
//
// Like Hugging Face, a pair whose merged token already exists may sit in
// two queue entries, each with its own list of words, and is then merged
// in two steps (it appears twice in Merges).
func Train(words map[string]int, cfg TrainerConfig) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.VocabSize == 0 {
		cfg.VocabSize = 30000
	}
	for w, c := range words {
		if c < 0 {
			return nil, fmt.Errorf("bpe: train: negative count %d for %q", c, w)
		}
	}
	tr := &trainer{cfg: cfg, w2id: map[string]int32{}}
	tr.addSpecial()
	tr.buildWords(words)
	tr.computeAlphabet()
	tr.tokenizeWords()
	if n := len(tr.id2w); n > cfg.VocabSize {
		return nil, fmt.Errorf("%w: VocabSize %d cannot hold the %d special tokens and characters the text needs; raise it, or keep fewer characters with LimitAlphabet",
			ErrBadTrainerConfig, cfg.VocabSize, n)
	}
	tr.bar = progress.New(cfg.Progress, progress.Options{Total: int64(cfg.VocabSize), Unit: "tokens", Desc: "bpe merges"})
	tr.countPairs()
	tr.mergeLoop()
	tr.bar.Finish()
	return tr.model()
}

type trainer struct {
	cfg    TrainerConfig
	w2id   map[string]int32
	id2w   []string
	lens   []int32 // id → number of word characters the token covers
	words  [][]int32
	counts []int64
	texts  []string // vocabulary form of each word, sorted
	pairs  pairCounts
	queue  entryHeap
	merges [][2]int32
	seq    uint64
	bar    *progress.Progress
}

// add returns the id of tok, adding it if new; chars is the number of word
// characters it covers (prefix and suffix not counted).
func (tr *trainer) add(tok string, chars int32) int32 {
	if id, ok := tr.w2id[tok]; ok {
		return id
	}
	id := int32(len(tr.id2w))
	tr.id2w = append(tr.id2w, tok)
	tr.w2id[tok] = id
	tr.lens = append(tr.lens, chars)
	return id
}

func (tr *trainer) addSpecial() {
	for _, s := range tr.cfg.SpecialTokens {
		if s != "" {
			tr.add(s, int32(utf8.RuneCountInString(s)))
		}
	}
}

// buildWords turns the counts into words in vocabulary form, in a fixed
// order so that training is deterministic.
func (tr *trainer) buildWords(words map[string]int) {
	type wc struct {
		w string
		c int64
	}
	list := make([]wc, 0, len(words))
	for w, c := range words {
		if w == "" || c == 0 {
			continue
		}
		if tr.cfg.ByteLevel {
			w = ByteLevelEncode(w)
		}
		list = append(list, wc{w, int64(c)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].w < list[j].w })
	// Byte-level encoding is one to one, so no two words collide.
	tr.texts = make([]string, len(list))
	tr.counts = make([]int64, len(list))
	for i, x := range list {
		tr.texts[i], tr.counts[i] = x.w, x.c
	}
}

// computeAlphabet adds the characters of the words (and the initial
// alphabet), limited to the most frequent if asked, sorted by code point.
func (tr *trainer) computeAlphabet() {
	freq := map[rune]uint64{}
	for i, w := range tr.texts {
		for _, r := range w {
			freq[r] += uint64(tr.counts[i])
		}
	}
	for _, r := range tr.cfg.InitialAlphabet {
		freq[r] = ^uint64(0)
	}
	type rc struct {
		r rune
		c uint64
	}
	kept := make([]rc, 0, len(freq))
	for r, c := range freq {
		kept = append(kept, rc{r, c})
	}
	if lim := tr.cfg.LimitAlphabet; lim > 0 && len(kept) > lim {
		// Drop the rarest (ties by code point, for determinism).
		sort.Slice(kept, func(i, j int) bool {
			if kept[i].c != kept[j].c {
				return kept[i].c < kept[j].c
			}
			return kept[i].r < kept[j].r
		})
		kept = kept[len(kept)-lim:]
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].r < kept[j].r })
	for _, k := range kept {
		tr.add(string(k.r), 1)
	}
}

// tokenizeWords splits each word into symbols; characters outside the
// alphabet are dropped, as in Hugging Face. Prefixed and suffixed forms are
// added in order of first use over the sorted words.
func (tr *trainer) tokenizeWords() {
	tr.words = make([][]int32, len(tr.texts))
	pre, suf := tr.cfg.ContinuingSubwordPrefix, tr.cfg.EndOfWordSuffix
	for i, w := range tr.texts {
		syms := make([]int32, 0, len(w))
		for j, r := range w {
			s := string(r)
			if _, ok := tr.w2id[s]; !ok {
				continue
			}
			if j > 0 && pre != "" {
				s = pre + s
			}
			if j+utf8.RuneLen(r) == len(w) && suf != "" {
				s += suf
			}
			syms = append(syms, tr.add(s, 1))
		}
		tr.words[i] = syms
	}
}

func (tr *trainer) pairLen(a, b int32) int32 { return tr.lens[a] + tr.lens[b] }

// countPairs counts every adjacent pair, weighted by word counts, and
// queues one entry per pair with the words it occurs in.
func (tr *trainer) countPairs() {
	n := 0
	for _, w := range tr.words {
		n += len(w)
	}
	tr.pairs = newPairCounts(n)
	where := map[uint64][]int32{}
	var order []uint64
	for wi, w := range tr.words {
		c := tr.counts[wi]
		for k := 0; k+1 < len(w); k++ {
			p := pairKey(w[k], w[k+1])
			tr.pairs.add(p, c)
			l, seen := where[p]
			if !seen {
				order = append(order, p)
			}
			if len(l) == 0 || l[len(l)-1] != int32(wi) {
				where[p] = append(l, int32(wi))
			}
		}
	}
	for _, p := range order {
		if c := tr.pairs.get(p); c > 0 {
			tr.push(p, c, where[p])
		}
	}
}

func (tr *trainer) push(p uint64, c int64, pos []int32) {
	tr.seq++
	tr.queue.push(entry{pair: p, count: c, pos: pos, seq: tr.seq})
}

// mergeLoop runs merges until the vocabulary is full or no pair qualifies.
func (tr *trainer) mergeLoop() {
	maxLen := int32(1<<31 - 1)
	if tr.cfg.MaxTokenLength > 0 {
		maxLen = int32(tr.cfg.MaxTokenLength)
	}
	stamp := make([]uint32, len(tr.words))
	var step uint32
	where := map[uint64][]int32{}
	var order []uint64
	pre := tr.cfg.ContinuingSubwordPrefix
	for len(tr.w2id) < tr.cfg.VocabSize && len(tr.queue) > 0 {
		top := tr.queue.pop()
		if cur := tr.pairs.get(top.pair); top.count != cur {
			top.count = cur
			tr.seq++
			top.seq = tr.seq
			tr.queue.push(top)
			continue
		}
		if top.count < 1 || int64(tr.cfg.MinFrequency) > top.count {
			break
		}
		a, b := int32(top.pair>>32), int32(uint32(top.pair))
		partB := tr.id2w[b]
		if pre != "" {
			partB = strings.TrimPrefix(partB, pre)
		}
		newID := tr.add(tr.id2w[a]+partB, tr.lens[a]+tr.lens[b])
		tr.merges = append(tr.merges, [2]int32{a, b})
		tr.bar.Set(int64(len(tr.w2id)))
		step++
		for _, wi := range top.pos {
			if stamp[wi] == step {
				continue
			}
			stamp[wi] = step
			tr.words[wi] = tr.mergeWord(tr.words[wi], a, b, newID, maxLen, tr.counts[wi], wi, where, &order)
		}
		for _, p := range order {
			if c := tr.pairs.get(p); c > 0 {
				tr.push(p, c, where[p])
			}
			delete(where, p)
		}
		order = order[:0]
	}
}

// mergeWord merges every non-overlapping occurrence of (a, b) in w, left to
// right, updating the pair counts and recording where new pairs form.
func (tr *trainer) mergeWord(w []int32, a, b, newID, maxLen int32, count int64, wi int32, where map[uint64][]int32, order *[]uint64) []int32 {
	note := func(p uint64) {
		l, seen := where[p]
		if !seen {
			*order = append(*order, p)
		}
		if len(l) == 0 || l[len(l)-1] != wi {
			where[p] = append(l, wi)
		}
	}
	newLen := tr.pairLen(a, b)
	for i := 0; i < len(w); i++ {
		if w[i] != a || i+1 >= len(w) || w[i+1] != b {
			continue
		}
		if i > 0 {
			tr.pairs.add(pairKey(w[i-1], a), -count)
			if tr.lens[w[i-1]]+newLen < maxLen {
				p := pairKey(w[i-1], newID)
				tr.pairs.add(p, count)
				note(p)
			}
		}
		w[i] = newID
		copy(w[i+1:], w[i+2:])
		w = w[:len(w)-1]
		if i < len(w)-1 {
			tr.pairs.add(pairKey(b, w[i+1]), -count)
			if tr.lens[w[i+1]]+newLen < maxLen {
				p := pairKey(newID, w[i+1])
				tr.pairs.add(p, count)
				note(p)
			}
		}
	}
	return w
}

func (tr *trainer) model() (*Model, error) {
	vocab := make(map[string]int, len(tr.id2w))
	for id, t := range tr.id2w {
		vocab[t] = id
	}
	merges := make([]Merge, len(tr.merges))
	for i, m := range tr.merges {
		merges[i] = Merge{tr.id2w[m[0]], tr.id2w[m[1]]}
	}
	opts := Options{ByteLevel: tr.cfg.ByteLevel, ContinuingSubwordPrefix: tr.cfg.ContinuingSubwordPrefix, EndOfWordSuffix: tr.cfg.EndOfWordSuffix}
	m, err := New(vocab, merges, opts)
	if err != nil {
		return nil, fmt.Errorf("bpe: train: %w", err)
	}
	return m, nil
}

// pairCounts is an open-addressing map from a pair of ids to its count.
type pairCounts struct {
	keys  []uint64
	vals  []int64
	shift uint
	n     int
}

func newPairCounts(n int) pairCounts {
	b := bits.Len(uint(2*n + 64))
	p := pairCounts{keys: make([]uint64, 1<<b), vals: make([]int64, 1<<b), shift: uint(64 - b)}
	for i := range p.keys {
		p.keys[i] = emptyKey
	}
	return p
}

func (p *pairCounts) add(k uint64, d int64) {
	mask := uint64(len(p.keys) - 1)
	for i := (k * 0x9e3779b97f4a7c15) >> p.shift; ; i = (i + 1) & mask {
		switch p.keys[i] {
		case k:
			p.vals[i] += d
			return
		case emptyKey:
			p.keys[i] = k
			p.vals[i] = d
			p.n++
			if 2*p.n > len(p.keys) {
				p.grow()
			}
			return
		}
	}
}

func (p *pairCounts) get(k uint64) int64 {
	mask := uint64(len(p.keys) - 1)
	for i := (k * 0x9e3779b97f4a7c15) >> p.shift; ; i = (i + 1) & mask {
		switch p.keys[i] {
		case k:
			return p.vals[i]
		case emptyKey:
			return 0
		}
	}
}

func (p *pairCounts) grow() {
	old := *p
	*p = newPairCounts(len(old.keys))
	for i, k := range old.keys {
		if k != emptyKey {
			p.add(k, old.vals[i])
		}
	}
}

// entry is a queue entry: a pair, its count when queued and the words to
// merge it in.
type entry struct {
	pair  uint64
	count int64
	pos   []int32
	seq   uint64
}

// before orders entries: higher count first, then the smaller pair, then
// the earlier queued.
func (e *entry) before(o *entry) bool {
	if e.count != o.count {
		return e.count > o.count
	}
	if e.pair != o.pair {
		return e.pair < o.pair
	}
	return e.seq < o.seq
}

type entryHeap []entry

func (h *entryHeap) push(e entry) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].before(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *entryHeap) pop() entry {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = entry{}
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		c := l
		if r := l + 1; r < len(s) && s[r].before(&s[l]) {
			c = r
		}
		if !s[c].before(&s[i]) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}
