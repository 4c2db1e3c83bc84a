package seq2seq_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

// loadFrozen loads a fixture model for inference.
func loadFrozen(t *testing.T, name string) seq2seq.Model {
	t.Helper()
	m, err := seq2seq.LoadDir(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	nn.Freeze(m)
	return m
}

// source returns row r of the fixture's sources, without its padding, as
// a batch of one.
func source(ref reference, r int) (ids, mask *tensor.Tensor) {
	s := ref["input_ids"].Dim(1)
	row := ref["input_ids"].Int32s()[r*s : (r+1)*s]
	m := ref["attention_mask"].Int32s()[r*s : (r+1)*s]
	n := 0
	for _, v := range m {
		n += int(v)
	}
	return tensor.FromSlice(append([]int32(nil), row[:n]...), 1, n), nil
}

// alone returns the logits [V] of the last position of prefix decoded
// without a cache over source row r alone.
func alone(m seq2seq.Model, ref reference, r int, prefix []int32) *tensor.Tensor {
	ids, mask := source(ref, r)
	mem := m.Encode(ids, mask)
	logits := m.Decode(tensor.FromSlice(prefix, 1, len(prefix)), nil, mem, mask, nil)
	return logits.Select(1, len(prefix)-1).Select(0, 0)
}

// TestCachedStepsMatchUncached decodes left-padded prefixes of different
// lengths in one batch with the cache, then forks and reorders the rows as
// beam search does, and checks every step's logits against decoding each
// row alone, unpadded and without a cache.
func TestCachedStepsMatchUncached(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m := loadFrozen(t, name)
			ref := loadReference(t, name)
			start := int32(m.Special().DecoderStart)
			pad := int32(m.Special().Pad)
			bound := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])
			// Each sequence: its source row and its tokens so far.
			type seq struct {
				src    int
				tokens []int32
			}
			seqs := []seq{{0, []int32{start, 5, 9}}, {1, []int32{start}}, {2, []int32{start, 7}}}
			cache := bound.NewCache(3)
			// The prefixes, left-padded to three tokens.
			var ids, mask []int32
			for _, s := range seqs {
				for range 3 - len(s.tokens) {
					ids, mask = append(ids, pad), append(mask, 0)
				}
				for _, tok := range s.tokens {
					ids, mask = append(ids, tok), append(mask, 1)
				}
			}
			held := 3
			check := func(step string, logits *tensor.Tensor) {
				t.Helper()
				for i, s := range seqs {
					want := alone(m, ref, s.src, s.tokens)
					if e := nntest.RelErr(logits.Select(0, i), want); e > logitTol {
						t.Errorf("%s, row %d: logits differ from uncached decoding by %.3g", step, i, e)
					}
				}
			}
			logits := bound.Step(tensor.FromSlice(ids, 3, 3), tensor.FromSlice(mask, 3, 3), cache)
			check("prefix", logits)
			rowMask := func() *tensor.Tensor {
				// Every row keeps its left padding.
				var out []int32
				for _, s := range seqs {
					for range held - len(s.tokens) {
						out = append(out, 0)
					}
					for range s.tokens {
						out = append(out, 1)
					}
				}
				return tensor.FromSlice(out, len(seqs), held)
			}
			advance := func(step string, nx []int32) {
				t.Helper()
				for i := range seqs {
					seqs[i].tokens = append(seqs[i].tokens, nx[i])
				}
				held++
				logits = bound.Step(tensor.FromSlice(nx, len(nx), 1), rowMask(), cache)
				check(step, logits)
			}
			for step := range 3 {
				advance(fmt.Sprintf("step %d", step), logits.ArgMax(-1).Int32s())
			}
			// Beam search's reordering: fork row 2, drop row 1, swap.
			order := []int32{2, 0, 2, 0}
			cache.Reorder(tensor.FromSlice(order, len(order)))
			var forked []seq
			for _, o := range order {
				forked = append(forked, seq{seqs[o].src, append([]int32(nil), seqs[o].tokens...)})
			}
			seqs = forked
			if got := cache.Len(); got != held {
				t.Fatalf("cache holds %d positions after Reorder, want %d", got, held)
			}
			// Tokens of our choosing, then greedy ones.
			advance("after reorder", []int32{4, 8, 11, 3})
			for step := range 2 {
				advance(fmt.Sprintf("after reorder, step %d", step), logits.ArgMax(-1).Int32s())
			}
		})
	}
}

// TestReorderOnEmptyCache expands the sources before the first step, as
// beam search and sampling with several sequences per source do.
func TestReorderOnEmptyCache(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m := loadFrozen(t, name)
			ref := loadReference(t, name)
			start := int32(m.Special().DecoderStart)
			bound := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])

			// NewCache with twice the batch repeats each source twice.
			cache := bound.NewCache(6)
			ids := []int32{start, start, start, start, start, start}
			logits := bound.Step(tensor.FromSlice(ids, 6, 1), nil, cache)
			for i := range 6 {
				want := alone(m, ref, i/2, []int32{start})
				if e := nntest.RelErr(logits.Select(0, i), want); e > logitTol {
					t.Errorf("expanded row %d: logits differ by %.3g", i, e)
				}
			}

			// Reorder before any step.
			cache = bound.NewCache(3)
			order := []int32{2, 2, 0, 1, 0}
			cache.Reorder(tensor.FromSlice(order, len(order)))
			if cache.Len() != 0 {
				t.Fatalf("empty cache has length %d after Reorder", cache.Len())
			}
			logits = bound.Step(tensor.FromSlice(ids[:5], 5, 1), nil, cache)
			for i, o := range order {
				want := alone(m, ref, int(o), []int32{start})
				if e := nntest.RelErr(logits.Select(0, i), want); e > logitTol {
					t.Errorf("reordered row %d (source %d): logits differ by %.3g", i, o, e)
				}
			}
		})
	}
}

func TestStepPanicsOnMisuse(t *testing.T) {
	m := loadFrozen(t, "t5-v1.0")
	ref := loadReference(t, "t5-v1.0")
	bound := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])
	one := func(b, n int) *tensor.Tensor { return tensor.FromSlice(make([]int32, b*n), b, n) }
	type foreign struct{ seq2seq.Cache }
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"a batch that is not a multiple of the sources", func() { bound.NewCache(4) }},
		{"an empty batch", func() { bound.NewCache(0) }},
		{"ids of another batch size", func() { bound.Step(one(2, 1), nil, bound.NewCache(3)) }},
		{"no ids", func() { bound.Step(one(3, 0), nil, bound.NewCache(3)) }},
		{"float ids", func() { bound.Step(tensor.Zeros(3, 1), nil, bound.NewCache(3)) }},
		{"a mask shorter than cache and ids", func() { bound.Step(one(3, 2), one(3, 1), bound.NewCache(3)) }},
		{"a cache from elsewhere", func() { bound.Step(one(3, 1), nil, &foreign{}) }},
		{"a reorder index out of range", func() { bound.NewCache(3).Reorder(tensor.FromSlice([]int32{0, 3}, 2)) }},
		{"a float reorder index", func() { bound.NewCache(3).Reorder(tensor.Zeros(3)) }},
		{"an encoder output of the wrong width", func() { m.Decode(one(1, 1), nil, tensor.Zeros(1, 2, 5), nil, nil) }},
		{"a source mask of the wrong shape", func() { m.Encode(one(2, 3), one(2, 4)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				t.Logf("panic: %v", r)
			}()
			c.run()
		})
	}
}

// TestConcurrentGenerations decodes from one Bound in several goroutines
// at once, each with its own cache (go test -race checks the sharing).
func TestConcurrentGenerations(t *testing.T) {
	m := loadFrozen(t, "t5-v1.1")
	ref := loadReference(t, "t5-v1.1")
	want := rows(ref["greedy"])
	bound := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])
	start := int32(m.Special().DecoderStart)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			cache := bound.NewCache(3)
			next := []int32{start, start, start}
			for step := range len(want[0]) {
				next = bound.Step(tensor.FromSlice(next, 3, 1), nil, cache).ArgMax(-1).Int32s()
				for i := range next {
					if next[i] != want[i][step] {
						errs <- fmt.Errorf("row %d, step %d: token %d, want %d", i, step, next[i], want[i][step])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
