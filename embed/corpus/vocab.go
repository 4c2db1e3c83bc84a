package corpus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// ErrEmpty is returned when a corpus has no word that passes the vocabulary
// limits.
var ErrEmpty = errors.New("corpus: no words in the vocabulary")

// Vocab is a vocabulary: words sorted by falling count (ties by byte order),
// with their counts in the corpus.
type Vocab struct {
	Words  []string
	Counts []int64
	// Tokens is the number of corpus words that are in the vocabulary,
	// counted with repetition.
	Tokens int64
	index  map[string]int32
}

// NewVocab makes a vocabulary from words and their counts, kept in the
// order given. It panics if the lengths differ; it returns an error on a
// repeated word.
func NewVocab(words []string, counts []int64) (*Vocab, error) {
	if len(words) != len(counts) {
		panic(fmt.Sprintf("corpus.NewVocab: %d words but %d counts", len(words), len(counts)))
	}
	v := &Vocab{Words: words, Counts: counts, index: make(map[string]int32, len(words))}
	for i, w := range words {
		if _, dup := v.index[w]; dup {
			return nil, fmt.Errorf("corpus: word %q appears twice in the vocabulary", w)
		}
		v.index[w] = int32(i)
		v.Tokens += counts[i]
	}
	return v, nil
}

// Len is the number of words.
func (v *Vocab) Len() int { return len(v.Words) }

// ID returns the index of word, or -1.
func (v *Vocab) ID(word []byte) int32 {
	if id, ok := v.index[string(word)]; ok {
		return id
	}
	return -1
}

// IDString returns the index of word, or -1.
func (v *Vocab) IDString(word string) int32 {
	if id, ok := v.index[word]; ok {
		return id
	}
	return -1
}

// CountOptions limits a vocabulary.
type CountOptions struct {
	// MinCount drops words seen fewer times (default 1).
	MinCount int64
	// MaxSize keeps only the MaxSize most frequent words (0: no limit).
	MaxSize int
	// MaxEntries bounds memory while counting: when a counter holds more
	// distinct words, the rarest are dropped, as word2vec does (0: no
	// limit). Counts of words that survive may then be slightly low.
	MaxEntries int
	// Threads is the number of goroutines that count (default GOMAXPROCS).
	Threads int
}

// Count reads the whole text and returns its vocabulary.
func Count(ctx context.Context, t *Text, opt CountOptions) (*Vocab, error) {
	if opt.MinCount < 1 {
		opt.MinCount = 1
	}
	threads := opt.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	if t.Size() < 1<<20 {
		threads = 1
	}
	bounds := t.Split(threads)
	maps := make([]map[string]int64, threads)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for i := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			maps[i], errs[i] = countRange(ctx, t, bounds[i], bounds[i+1], opt.MaxEntries)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	total := maps[0]
	for _, m := range maps[1:] {
		for w, c := range m {
			total[w] += c
		}
	}
	type entry struct {
		w string
		c int64
	}
	entries := make([]entry, 0, len(total))
	for w, c := range total {
		if c >= opt.MinCount {
			entries = append(entries, entry{w, c})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return cmp.Compare(a.w, b.w)
	})
	if opt.MaxSize > 0 && len(entries) > opt.MaxSize {
		entries = entries[:opt.MaxSize]
	}
	if len(entries) == 0 {
		return nil, ErrEmpty
	}
	words := make([]string, len(entries))
	counts := make([]int64, len(entries))
	for i, e := range entries {
		words[i], counts[i] = e.w, e.c
	}
	return NewVocab(words, counts)
}

func countRange(ctx context.Context, t *Text, start, end int64, maxEntries int) (map[string]int64, error) {
	m := make(map[string]int64)
	s := t.Scan(start, end)
	minReduce := int64(1)
	n := 0
	for {
		w, eol, ok := s.Next()
		if !ok {
			break
		}
		if eol {
			continue
		}
		if c, ok := m[string(w)]; ok {
			m[string(w)] = c + 1
		} else {
			m[string(w)] = 1
			if maxEntries > 0 && len(m) > maxEntries {
				for k, c := range m {
					if c <= minReduce {
						delete(m, k)
					}
				}
				minReduce++
			}
		}
		n++
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return m, s.Err()
}
