// Package gentest provides a small deterministic language model for testing
// code that drives a generate.Model: the generation loop itself, servers
// and applications, without loading a checkpoint.
//
// A Table's next-token logits are sums of rows of fixed random tables,
// indexed by the last two real tokens, the position and the whole history,
// so that the history matters (beam search and repetition rules have work
// to do) while every logit is reproducible bit for bit by a short script in
// another language (models/generate/testdata/gen_generate.py is its twin).
package gentest

import (
	"fmt"

	"github.com/goformer/goformer/internal/philox"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/tensor"
)

// Table is a deterministic language model over a vocabulary of Vocab
// tokens and at most MaxPos positions. For a row whose real tokens (mask 1)
// are r₀ … rₙ₋₁, the logits of the next token are, in float32 and in this
// order,
//
//	((Last[rₙ₋₁] + Prev[rₙ₋₂] + Pos[n-1]) + (Σᵢ Bag[rᵢ]) / n
//
// where Prev[Vocab] stands for "no previous token" and the sum runs in
// index order. Padding (mask 0) is invisible, so a left-padded row gets the
// logits it would get alone. It counts its Step calls, for tests of the
// work a generation loop does, and so is not safe for concurrent use.
type Table struct {
	Vocab, MaxPos int
	// Last, Prev, Pos and Bag are the tables, row-major with Vocab columns.
	Last, Prev, Pos, Bag []float32
	// Steps counts the Step calls; Tokens counts the tokens they were given
	// (padding included).
	Steps, Tokens int
}

// Table scales, powers of two so that every entry is exact in float32.
const (
	lastScale = 4
	prevScale = 2
	posScale  = 1
	bagScale  = 2
)

// NewTable returns a Table whose entries are drawn from seed with
// Philox4x32-10: entry e of the concatenation Last, Prev, Pos, Bag is
// (2·u − 1)·scale, u = the top 24 bits of word e%4 of block e/4 as a
// fraction, with scales 4, 2, 1 and 2.
func NewTable(vocab, maxPos int, seed uint64) *Table {
	if vocab < 2 || maxPos < 1 {
		panic(fmt.Sprintf("gentest: NewTable: vocabulary %d and positions %d must be at least 2 and 1", vocab, maxPos))
	}
	t := &Table{Vocab: vocab, MaxPos: maxPos}
	e := 0
	draw := func(n int, scale float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			w := philox.Block(seed, uint64(e/4))[e%4]
			out[i] = float32((2*philox.Uniform(w) - 1) * scale)
			e++
		}
		return out
	}
	t.Last = draw(vocab*vocab, lastScale)
	t.Prev = draw((vocab+1)*vocab, prevScale)
	t.Pos = draw(maxPos*vocab, posScale)
	t.Bag = draw(vocab*vocab, bagScale)
	return t
}

// VocabSize returns Vocab.
func (t *Table) VocabSize() int { return t.Vocab }

// MaxLen returns MaxPos.
func (t *Table) MaxLen() int { return t.MaxPos }

// Logits returns the next-token logits after the real tokens history.
func (t *Table) Logits(history []int) []float32 {
	n := len(history)
	if n == 0 || n > t.MaxPos {
		panic(fmt.Sprintf("gentest: Table.Logits: %d tokens (want 1 to %d)", n, t.MaxPos))
	}
	v := t.Vocab
	for _, id := range history {
		if id < 0 || id >= v {
			panic(fmt.Sprintf("gentest: Table.Logits: token %d out of the vocabulary [0, %d)", id, v))
		}
	}
	prev := v
	if n >= 2 {
		prev = history[n-2]
	}
	last, pr, pos := t.Last[history[n-1]*v:][:v], t.Prev[prev*v:][:v], t.Pos[(n-1)*v:][:v]
	bag := make([]float32, v)
	for _, id := range history {
		for j, x := range t.Bag[id*v:][:v] {
			bag[j] += x
		}
	}
	out := make([]float32, v)
	for j := range out {
		out[j] = (last[j] + pr[j] + pos[j]) + bag[j]/float32(n)
	}
	return out
}

// Cache is a Table's decoding state: every row's tokens and mask so far.
type Cache struct {
	ids, mask [][]int32
	n         int
}

// Len returns the number of positions held per row.
func (c *Cache) Len() int { return c.n }

// Reorder keeps row index[i] of the old batch as row i.
func (c *Cache) Reorder(index *tensor.Tensor) {
	if index.Rank() != 1 || index.DType() != tensor.Int32 {
		panic(fmt.Sprintf("gentest: Cache.Reorder: index must be a 1-D int32 tensor, not %s %v", index.DType(), index.Shape()))
	}
	idx := index.Int32s()
	ids, mask := make([][]int32, len(idx)), make([][]int32, len(idx))
	for i, j := range idx {
		if int(j) < 0 || int(j) >= len(c.ids) {
			panic(fmt.Sprintf("gentest: Cache.Reorder: row %d of a batch of %d", j, len(c.ids)))
		}
		ids[i] = append([]int32(nil), c.ids[j]...)
		mask[i] = append([]int32(nil), c.mask[j]...)
	}
	c.ids, c.mask = ids, mask
}

// NewCache returns an empty state for batch rows.
func (t *Table) NewCache(batch int) generate.Cache {
	return &Cache{ids: make([][]int32, batch), mask: make([][]int32, batch)}
}

// Step appends ids [B, T] to the cache and returns the logits [B, V] of
// each row's last position, as generate.Model requires. A row whose last
// position is padding gets the logits after its real tokens all the same.
func (t *Table) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	c, ok := cache.(*Cache)
	if !ok {
		panic(fmt.Sprintf("gentest: Table.Step: cache %T is not a *gentest.Cache", cache))
	}
	if ids.Rank() != 2 || ids.DType() != tensor.Int32 {
		panic(fmt.Sprintf("gentest: Table.Step: ids must be [B, T] int32, not %s %v", ids.DType(), ids.Shape()))
	}
	b, n := ids.Dim(0), ids.Dim(1)
	if b != len(c.ids) {
		panic(fmt.Sprintf("gentest: Table.Step: ids %v for a cache of %d rows", ids.Shape(), len(c.ids)))
	}
	var m []int32
	if mask != nil {
		if mask.Rank() != 2 || mask.DType() != tensor.Int32 || mask.Dim(0) != b || mask.Dim(1) != c.n+n {
			panic(fmt.Sprintf("gentest: Table.Step: mask %s %v, want int32 [%d, %d] for ids %v after %d cached positions",
				mask.DType(), mask.Shape(), b, c.n+n, ids.Shape(), c.n))
		}
		m = mask.Int32s()
	}
	t.Steps++
	t.Tokens += b * n
	x := ids.Int32s()
	out := make([]float32, 0, b*t.Vocab)
	for i := range b {
		c.ids[i] = append(c.ids[i], x[i*n:(i+1)*n]...)
		if m != nil {
			// The mask covers every position: it replaces the held one.
			c.mask[i] = append(c.mask[i][:0], m[i*(c.n+n):(i+1)*(c.n+n)]...)
		} else {
			for range n {
				c.mask[i] = append(c.mask[i], 1)
			}
		}
		var hist []int
		for j, id := range c.ids[i] {
			if c.mask[i][j] != 0 {
				hist = append(hist, int(id))
			}
		}
		if len(hist) == 0 {
			out = append(out, make([]float32, t.Vocab)...)
			continue
		}
		out = append(out, t.Logits(hist)...)
	}
	c.n += n
	return tensor.FromSlice(out, b, t.Vocab)
}
