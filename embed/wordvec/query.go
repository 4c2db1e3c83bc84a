package wordvec

import (
	"container/heap"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/goformer/goformer/internal/vec"
)

// Neighbor is a word and its score in a query.
type Neighbor struct {
	Word  string
	Index int
	// Score is the cosine similarity, or the 3CosMul objective.
	Score float32
}

// Method chooses how Analogy combines its three words.
type Method int

const (
	// CosAdd ranks x by cos(x,b) − cos(x,a) + cos(x,c) (Mikolov et al. 2013).
	CosAdd Method = iota
	// CosMul ranks x by cos'(x,b)·cos'(x,c) / (cos'(x,a) + 0.001), with
	// cos' = (cos+1)/2 (Levy and Goldberg 2014).
	CosMul
)

// String names the method.
func (m Method) String() string {
	switch m {
	case CosAdd:
		return "3CosAdd"
	case CosMul:
		return "3CosMul"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Similarity returns the cosine similarity of two words.
func (t *Table) Similarity(a, b string) (float32, error) {
	i, ok := t.index[a]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownWord, a)
	}
	j, ok := t.index[b]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownWord, b)
	}
	u := t.units()
	return vec.Dot(u[i*t.Dim:(i+1)*t.Dim], u[j*t.Dim:(j+1)*t.Dim]), nil
}

// Cosine returns the cosine similarity of two vectors of equal length (0 if
// either is zero). It panics if the lengths differ.
func Cosine(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("wordvec.Cosine: lengths %d and %d differ", len(x), len(y)))
	}
	var xy, xx, yy float64
	for i := range x {
		xy += float64(x[i]) * float64(y[i])
		xx += float64(x[i]) * float64(x[i])
		yy += float64(y[i]) * float64(y[i])
	}
	if xx == 0 || yy == 0 {
		return 0
	}
	return float32(xy / math.Sqrt(xx*yy))
}

// Nearest returns the k words most similar to word by cosine, without the
// word itself, best first.
func (t *Table) Nearest(word string, k int) ([]Neighbor, error) {
	i, ok := t.index[word]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownWord, word)
	}
	u := t.units()
	return t.NearestTo(u[i*t.Dim:(i+1)*t.Dim], k, i), nil
}

// NearestTo returns the k rows most similar to v by cosine, best first,
// leaving out the rows in exclude. Ties go to the lower row. It panics if
// len(v) != Dim.
func (t *Table) NearestTo(v []float32, k int, exclude ...int) []Neighbor {
	if len(v) != t.Dim {
		panic(fmt.Sprintf("wordvec.NearestTo: query has %d values, table dim is %d", len(v), t.Dim))
	}
	q := append([]float32(nil), v...)
	if normalize(q) == 0 {
		return nil
	}
	u := t.units()
	return t.topK(k, exclude, func(row []float32) float32 { return vec.Dot(q, row) }, u)
}

// Analogy answers "a is to b as c is to ?" with the k best words, leaving
// out a, b and c.
func (t *Table) Analogy(a, b, c string, k int, m Method) ([]Neighbor, error) {
	var idx [3]int
	for n, w := range []string{a, b, c} {
		i, ok := t.index[w]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownWord, w)
		}
		idx[n] = i
	}
	return t.analogyRows(idx, k, m), nil
}

func (t *Table) analogyRows(idx [3]int, k int, m Method) []Neighbor {
	u := t.units()
	d := t.Dim
	ua, ub, uc := u[idx[0]*d:(idx[0]+1)*d], u[idx[1]*d:(idx[1]+1)*d], u[idx[2]*d:(idx[2]+1)*d]
	ex := idx[:]
	switch m {
	case CosAdd:
		q := make([]float32, d)
		for i := range q {
			q[i] = ub[i] - ua[i] + uc[i]
		}
		if normalize(q) == 0 {
			return nil
		}
		return t.topK(k, ex, func(row []float32) float32 { return vec.Dot(q, row) }, u)
	case CosMul:
		return t.topK(k, ex, func(row []float32) float32 {
			ca := (vec.Dot(ua, row) + 1) / 2
			cb := (vec.Dot(ub, row) + 1) / 2
			cc := (vec.Dot(uc, row) + 1) / 2
			return cb * cc / (ca + 0.001)
		}, u)
	}
	panic(fmt.Sprintf("wordvec.Analogy: unknown method %d", int(m)))
}

// topK scores every row of u and keeps the k best, splitting the rows over
// the CPUs for large tables.
func (t *Table) topK(k int, exclude []int, score func([]float32) float32, u []float32) []Neighbor {
	n := t.Len()
	if k <= 0 || n == 0 {
		return nil
	}
	k = min(k, n)
	var mu sync.Mutex
	var all []Neighbor
	parallelRows(n, func(lo, hi int) {
		h := make(minHeap, 0, k+1)
		d := t.Dim
		for i := lo; i < hi; i++ {
			s := score(u[i*d : (i+1)*d])
			if len(h) == k && !better(s, i, h[0].Score, h[0].Index) {
				continue
			}
			if slices.Contains(exclude, i) || s != s {
				continue
			}
			if len(h) < k {
				heap.Push(&h, Neighbor{Index: i, Score: s})
			} else {
				h[0] = Neighbor{Index: i, Score: s}
				heap.Fix(&h, 0)
			}
		}
		mu.Lock()
		all = append(all, h...)
		mu.Unlock()
	})
	slices.SortFunc(all, func(a, b Neighbor) int {
		if better(a.Score, a.Index, b.Score, b.Index) {
			return -1
		}
		return 1
	})
	if len(all) > k {
		all = all[:k]
	}
	for i := range all {
		all[i].Word = t.Words[all[i].Index]
	}
	return all
}

// better orders by score, then by lower index.
func better(s float32, i int, s2 float32, i2 int) bool {
	return s > s2 || (s == s2 && i < i2)
}

// minHeap keeps the worst kept neighbour on top.
type minHeap []Neighbor

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return better(h[j].Score, h[j].Index, h[i].Score, h[i].Index) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// parallelRows runs body over [0, n) in chunks on up to GOMAXPROCS
// goroutines when n is large enough to pay for them.
func parallelRows(n int, body func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 8192 || workers < 2 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
