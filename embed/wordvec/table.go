// Package wordvec holds word vectors — a vocabulary and one vector per word
// in a contiguous row-major []float32 — with the queries and file formats
// that every word-embedding method shares: nearest neighbours by cosine,
// analogies (3CosAdd and 3CosMul), evaluation on analogy questions and
// word-similarity ratings, and the word2vec/fastText/GloVe text formats and
// the word2vec binary format.
//
// Start with Load, or with the Table returned by a trainer
// (embed/word2vec, embed/fasttext, embed/glove):
//
//	t, err := wordvec.Load("vectors.vec")
//	if err != nil { ... }
//	ns, err := t.Nearest("liberty", 10)
//
// An embedding layer can be initialised from t.Data, which holds t.Len()
// rows of t.Dim values in the order of t.Words.
//
// A Table is safe for concurrent queries. Queries cache unit-length copies
// of the rows on first use; call Refresh after changing Data.
package wordvec

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrUnknownWord is returned by queries that name a word not in the table.
var ErrUnknownWord = errors.New("wordvec: unknown word")

// Table is a set of word vectors.
type Table struct {
	// Words are the vocabulary, usually most frequent first.
	Words []string
	// Dim is the length of each vector.
	Dim int
	// Data holds len(Words) rows of Dim values, row i for Words[i].
	Data []float32

	index map[string]int

	unitOnce sync.Once
	unit     []float32
}

// New returns a table over words and data (len(words)×dim values, row-major),
// without copying. If a word repeats, lookups find its first row. It panics
// if the sizes do not match.
func New(words []string, dim int, data []float32) *Table {
	if dim < 0 || len(data) != len(words)*dim {
		panic(fmt.Sprintf("wordvec.New: %d words × dim %d needs %d values, got %d", len(words), dim, len(words)*dim, len(data)))
	}
	t := &Table{Words: words, Dim: dim, Data: data, index: make(map[string]int, len(words))}
	for i, w := range words {
		if _, dup := t.index[w]; !dup {
			t.index[w] = i
		}
	}
	return t
}

// Len is the number of words.
func (t *Table) Len() int { return len(t.Words) }

// Index returns the row of word.
func (t *Table) Index(word string) (int, bool) {
	i, ok := t.index[word]
	return i, ok
}

// Row returns the vector of row i; it shares memory with Data.
func (t *Table) Row(i int) []float32 { return t.Data[i*t.Dim : (i+1)*t.Dim : (i+1)*t.Dim] }

// Vector returns the vector of word, sharing memory with Data.
func (t *Table) Vector(word string) ([]float32, bool) {
	i, ok := t.index[word]
	if !ok {
		return nil, false
	}
	return t.Row(i), true
}

// Head returns a table of the first n words (all if n ≤ 0 or n ≥ Len),
// sharing Data. Evaluations use it to restrict answers to frequent words.
func (t *Table) Head(n int) *Table {
	if n <= 0 || n >= t.Len() {
		return t
	}
	return New(t.Words[:n], t.Dim, t.Data[:n*t.Dim])
}

// Refresh drops the cached unit-length rows; call it after changing Data.
func (t *Table) Refresh() {
	t.unitOnce = sync.Once{}
	t.unit = nil
}

// units returns the rows scaled to unit length (zero rows stay zero).
func (t *Table) units() []float32 {
	t.unitOnce.Do(func() {
		u := make([]float32, len(t.Data))
		parallelRows(t.Len(), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				row := t.Data[i*t.Dim : (i+1)*t.Dim]
				copy(u[i*t.Dim:], row)
				normalize(u[i*t.Dim : (i+1)*t.Dim])
			}
		})
		t.unit = u
	})
	return t.unit
}

// normalize scales v to unit length in float64 and reports its old norm.
func normalize(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := math.Sqrt(s)
	if n > 0 {
		inv := 1 / n
		for i := range v {
			v[i] = float32(float64(v[i]) * inv)
		}
	}
	return n
}
